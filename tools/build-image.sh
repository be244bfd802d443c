#!/usr/bin/env bash
# Builds the image of every task into podman's local storage, offline: no image registry, only the Debian package
# mirror this machine's apt uses. For -profile podman (conf/podman.config); docs/usage.md "Containers".
#
#   tools/build-image.sh [--flavour cpu|cuda] [--tag NAME:VERSION] [--cache DIR] [--force]
#
# 1. The task jars of the flavour (java-tasks/dist; `./nextflow` builds them: UN_BUILD_ONLY=1, UN_BUILD_PROFILE).
# 2. A Debian bookworm root filesystem (debootstrap --variant=minbase) with the packages of containers/image-contents,
#    installed by containers/provision.sh chrooted into it: the same definition the Dockerfiles use. It is kept as
#    CACHE/base-<key>.tar (default .cache/image), keyed by those two files, so a new build of the jars reuses it.
# 3. The jars and their libraries into /opt/uneurons, bin/un-task into /usr/local/bin, then the PyTorch engine
#    started once in the root filesystem (the device benchmark at toy size) so that DJL unpacks its natives into
#    /opt/djl: no task unpacks them when it starts, and an image whose engine cannot start is never imported.
# 4. `podman import` with the env lines of containers/image-contents and a label holding the contents key (a hash of
#    the recipe files, bin/un-task and every file of java-tasks/dist): a second build with the same contents finds
#    the image and stops at once ("up to date"); --force rebuilds.
# Tags: params.container_cpu (cpu) and params.container_gpu (cuda) as nextflow.config sets them (uneurons-cpu:0.1.0).
# Needs root (debootstrap, chroot), podman and debootstrap. Exit codes: 0 built or up to date, 1 failed, 2 usage,
# 3 this machine cannot build images (what is missing is named on one line).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONTENTS="$ROOT/containers/image-contents"
PROVISION="$ROOT/containers/provision.sh"
DIST="$ROOT/java-tasks/dist"
SUITE=bookworm

say() { echo "build-image: $*" >&2; }
die() { say "error: $*"; exit 1; }
cannot() { say "cannot build images here: $*"; exit 3; }
usage() { sed -n 5p "$0" | sed 's/^# *//' >&2; exit 2; }

flavour=cpu tag="" cache="${UN_IMAGE_CACHE:-$ROOT/.cache/image}" force=0
while (($#)); do
    case "$1" in
        --flavour) flavour="${2:-}"; shift 2 || usage ;;
        --tag) tag="${2:-}"; shift 2 || usage ;;
        --cache) cache="${2:-}"; shift 2 || usage ;;
        --force) force=1; shift ;;
        -h | --help) usage ;;
        *) say "unknown argument '$1'"; usage ;;
    esac
done
[[ "$flavour" == cpu || "$flavour" == cuda ]] || { say "--flavour must be cpu or cuda, got '$flavour'"; exit 2; }

# the tag the profiles run: params.container_cpu or params.container_gpu of nextflow.config
param_default() { sed -n "s/^ *$1 *= *'\([^']*\)'.*/\1/p" "$ROOT/nextflow.config" | head -n 1; }
[[ -n "$tag" ]] || tag="$(param_default "container_$([[ "$flavour" == cpu ]] && echo cpu || echo gpu)")"
[[ -n "$tag" ]] || die "no container_cpu/container_gpu default in nextflow.config"

((EUID == 0)) || cannot "debootstrap and chroot need root (run as root, or with sudo)"
command -v podman >/dev/null || cannot "podman is not installed (Debian package podman)"
command -v debootstrap >/dev/null || cannot "debootstrap is not installed (Debian package debootstrap)"

# --- 1. the task jars ----------------------------------------------------------------------------------------
UN_BUILD_ONLY=1 UN_BUILD_PROFILE="$flavour" "$ROOT/nextflow" run "$ROOT/main.nf" >&2 \
    || die "building the $flavour task jars failed (./nextflow's output above)"
[[ "$(cat "$DIST/.flavour" 2>/dev/null)" == "$flavour" ]] || die "java-tasks/dist is not the $flavour build after building it"

# The contents key: everything that ends up in the image, and how it is made
contents_key() {
    {
        sha256sum "$CONTENTS" "$PROVISION" "$0" "$ROOT/bin/un-task" | cut -d' ' -f1
        echo "$flavour $SUITE"
        (cd "$DIST" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    } | sha256sum | cut -c1-16
}
key="$(contents_key)"
label="$(podman image inspect --format '{{ index .Labels "org.uneurons.contents" }}' "$tag" 2>/dev/null || true)"
if ((force == 0)) && [[ "$label" == "$key" ]]; then
    say "image $tag is up to date (contents $key)"
    exit 0
fi

# --- 2. the provisioned base root filesystem, cached --------------------------------------------------------
mkdir -p "$cache"
base_key="$(cat "$CONTENTS" "$PROVISION" <(echo "$SUITE") | sha256sum | cut -c1-16)"
base="$cache/base-$base_key.tar"
rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
leave_root() {
    local m
    for m in "$rootfs/proc" "$rootfs/dev"; do
        if mountpoint -q "$m" 2>/dev/null; then umount -l "$m"; fi
    done
}
cleanup() {
    leave_root
    rm -rf "$rootfs" "$base.partial"
}
trap cleanup EXIT

# the mirror this machine's apt uses (debootstrap's own default when none is configured)
apt_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        awk '/^URIs:/ && $2 !~ /security/ { print $2; exit } /^deb / && $3 ~ /^'"$SUITE"'$/ { print $2; exit }' "$f"
    done | head -n 1
}

in_root() {
    mountpoint -q "$rootfs/proc" || mount -t proc proc "$rootfs/proc"
    mountpoint -q "$rootfs/dev" || mount --bind /dev "$rootfs/dev"
    chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"
}

if [[ -f "$base" ]]; then
    say "base root filesystem from the cache: $base"
    tar -C "$rootfs" -xf "$base"
else
    mirror="${UN_DEBIAN_MIRROR:-$(apt_mirror)}"
    say "debootstrap --variant=minbase $SUITE ${mirror:-(the default mirror of debootstrap)} (about a minute)"
    debootstrap --variant=minbase "$SUITE" "$rootfs" ${mirror:+"$mirror"} >"$cache/debootstrap.log" 2>&1 \
        || die "debootstrap failed (its log: $cache/debootstrap.log)"
    cp "$CONTENTS" "$PROVISION" "$rootfs/tmp/"
    say "installing the packages of containers/image-contents"
    in_root bash /tmp/provision.sh /tmp/image-contents >"$cache/provision.log" 2>&1 \
        || die "containers/provision.sh failed in the root filesystem (its log: $cache/provision.log)"
    rm -f "$rootfs/tmp/image-contents" "$rootfs/tmp/provision.sh"
    leave_root
    tar -C "$rootfs" -cf "$base.partial" . && mv "$base.partial" "$base"
fi

# --- 3. the jars, un-task, PyTorch's natives ----------------------------------------------------------------
mkdir -p "$rootfs/opt/uneurons" "$rootfs/opt/djl" "$rootfs/usr/local/bin"
cp -a "$DIST/." "$rootfs/opt/uneurons/"
install -m 0755 "$ROOT/bin/un-task" "$rootfs/usr/local/bin/un-task"
say "starting the PyTorch engine in the image (DJL unpacks its natives into /opt/djl)"
in_root env DJL_OFFLINE=true OPT_OUT_TRACKING=true DJL_CACHE_DIR=/opt/djl \
    java -cp '/opt/uneurons/bench.jar:/opt/uneurons/lib/*' org.uneurons.bench.DeviceBenchmark \
    --layers 1 --d-model 8 --heads 1 --d-mlp 8 --batch-sizes 1 --batches 1 >"$cache/engine.log" 2>&1 \
    || die "the PyTorch engine did not start in the image (log: $cache/engine.log)"
leave_root
chmod -R a+rX "$rootfs/opt"

# --- 4. import ------------------------------------------------------------------------------------------------
# the env lines read as provision.sh reads the package lines
changes=(--change "LABEL org.uneurons.contents=$key")
mapfile -t envs < <(awk '$1 == "env" { print $2 }' "$CONTENTS")
for e in "${envs[@]}"; do changes+=(--change "ENV $e"); done
say "importing $tag"
tar -C "$rootfs" -c . | podman import --quiet "${changes[@]}" - "$tag" >/dev/null || die "podman import of $tag failed"
say "built $tag (contents $key): $(podman image inspect --format '{{ .Size }}' "$tag" | numfmt --to=iec) "
