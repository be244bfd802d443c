#!/usr/bin/env bats
# The build's dependency rule (java-tasks/pom.xml, maven-enforcer bannedDependencies): a task module may depend on
# org.uneurons:uneurons-core, -formats, -models, -blas and -accumulate only, never on another task module. Shown on
# a copy of java-tasks in which universality gains a dependency on merge: `mvn validate` must fail and name it.

load helpers

setup_file() {
    export WORK
    WORK="$(work_dir build)"
}

@test "build: a task module that gains a dependency on another task module fails the build" {
    grep -rq --include=pom.xml '<bannedDependencies>' "$ROOT/java-tasks" \
        || skip "no maven-enforcer bannedDependencies rule in java-tasks' poms yet"
    local copy="$WORK/java-tasks" log="$WORK/enforcer.log"
    rm -rf "$copy"
    mkdir -p "$copy"
    (cd "$ROOT/java-tasks" && tar --exclude=./dist --exclude='*/target' --exclude=./target -cf - .) | tar -xf - -C "$copy"
    # the unchanged copy validates: the failure below is the new dependency's
    (cd "$copy" && mvn -o -q -B validate) >"$log.ok" 2>&1 || fail "the unchanged copy of java-tasks does not validate" "$log.ok"
    local pom="$copy/universality/pom.xml"
    grep -q '<dependencies>' "$pom" || fail "universality/pom.xml has no <dependencies>"
    sed -i '0,/<dependencies>/s||<dependencies>\n    <dependency><groupId>org.uneurons</groupId><artifactId>merge</artifactId><version>${project.version}</version></dependency>|' "$pom"
    grep -q '<artifactId>merge</artifactId>' "$pom" || fail "could not add the dependency to $pom"
    if (cd "$copy" && mvn -o -q -B validate) >"$log" 2>&1; then
        fail "mvn validate passed with universality depending on merge" "$log"
    fi
    grep -qi 'banned' "$log" && grep -q 'org.uneurons:merge' "$log" \
        || fail "the build failed, but not naming the banned dependency org.uneurons:merge" "$log"
}
