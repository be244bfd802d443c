#!/usr/bin/env bash
# Pipeline test of -profile slurm on a real one-node SLURM cluster on loopback.
#
#   bash tests/pipeline/slurm.sh [WORKDIR [REFERENCE_RESULTS]]
#
# Installs SLURM and MUNGE from Debian (apt-get; skipped when the daemons are already installed), writes a
# private cluster configuration into WORKDIR (one node `localhost` with 2 CPUs, the machine's memory and one fake
# GPU: gres gpu count 1 with no device file, so nothing on the machine is touched), starts munged, slurmctld and
# slurmd on 127.0.0.1 (free ports, every file in WORKDIR), waits for the node to be idle, and runs
#   ./nextflow run main.nf -profile test,slurm,gpu -c <test config>
# The test config keeps the node's limits (2 CPUs, its memory) and --device cpu for the GPU tasks: the GPU is
# fake, the request is real (the scheduler must place it on the node's gres). Checks:
#   - the run succeeds with every task of the run's plan COMPLETED (the `plan:` line it prints, lib/Plan.groovy);
#   - every task was a SLURM job: its .command.run carries #SBATCH lines, the trace's native_id is a job id,
#     and slurmctld's log records that job id as started and done;
#   - the GPU tasks (the processes labelled process_gpu: TRAIN, EXTRACT, CORRELATE, FAMILIES, INTERVENE) asked for
#     --gres=gpu:1 (#SBATCH line) and still ran with --device cpu; no other task asked for a GPU;
#   - with REFERENCE_RESULTS (the local executor's results of -profile test), the same neurons.csv tables.
# Every daemon it started is stopped on exit (jobs cancelled first), each within a bounded time.
#
# Exit status: 0 passed, 1 failed, 77 skipped (SLURM cannot be installed or started here: no root, no apt-get,
# no package mirror, daemons refuse to start). The last line says PASS, FAIL or SKIP with the reason.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true
T="${1:-}"
[[ -n "$T" ]] || T="$(mktemp -d "${TMPDIR:-/tmp}/un-slurm-test.XXXXXX")"
mkdir -p "$T"
T="$(cd "$T" && pwd)"
REFERENCE="${2:-}"
STARTUP_TIMEOUT=60   # seconds for the node to become idle
RUN_TIMEOUT=1500     # seconds for the Nextflow run

skip() { echo "SKIP slurm: $1"; exit 77; }
fail() {
    echo "FAIL slurm: $1"
    [[ -z "${2:-}" || ! -f "${2:-}" ]] || { echo "---- last lines of $2:"; tail -n 25 "$2" | sed 's/^/    /'; echo "----"; }
    exit 1
}
note() { echo "slurm: $*" >&2; }

# --- install ---------------------------------------------------------------------------------------------
have_slurm() { command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged; } >/dev/null 2>&1

if ! have_slurm; then
    sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        sudo -n true 2>/dev/null || skip "SLURM is not installed and installing it needs root (no root, no passwordless sudo)"
        sudo="sudo -n"
    fi
    command -v apt-get >/dev/null 2>&1 || skip "SLURM is not installed and there is no apt-get to install it"
    note "installing slurmctld slurmd slurm-client munge with apt-get"
    timeout 300 $sudo apt-get update -qq >"$T/apt.log" 2>&1 \
        || skip "apt-get update failed (no package mirror reachable?); see $T/apt.log"
    timeout 600 $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge >>"$T/apt.log" 2>&1 \
        || skip "apt-get install slurmctld slurmd slurm-client munge failed; see $T/apt.log"
    have_slurm || skip "SLURM installed but slurmctld, slurmd, sbatch or munged is not on the PATH"
fi
[[ "$(id -u)" == 0 ]] || skip "slurmd must run as root to start jobs (this test runs a private cluster as root only)"

# --- configuration ---------------------------------------------------------------------------------------
# a port that nothing listens on (bash's /dev/tcp connect fails)
free_port() {
    local p
    for p in $(shuf -i 20000-60000 -n 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}
CTLD_PORT="$(free_port)" || skip "no free TCP port on 127.0.0.1"
SLURMD_PORT="$(free_port)" || skip "no free TCP port on 127.0.0.1"
[[ "$CTLD_PORT" != "$SLURMD_PORT" ]] || SLURMD_PORT=$((CTLD_PORT + 1))
MEM_MB=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 * 9 / 10 ))   # below what slurmd measures

mkdir -p "$T/spool" "$T/state" "$T/log" "$T/run"
chmod 700 "$T"
export SLURM_CONF="$T/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=untest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
CommunicationParameters=NoInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/run/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MailProg=/bin/true
ReturnToService=2
GresTypes=gpu
PlugStackConfig=$T/plugstack.conf
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=$MEM_MB Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
# a fake GPU: /dev/null as its device file, no autodetection (task/none: no device cgroup touches it)
cat >"$T/gres.conf" <<EOF
AutoDetect=off
NodeName=localhost Name=gpu File=/dev/null
EOF
: >"$T/plugstack.conf"

# --- daemons: started here, stopped on exit -------------------------------------------------------------
PIDS=()
# stop PID within 10 s (TERM, then KILL)
stop_pid() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null
}
cleanup() {
    local i
    if ((${#PIDS[@]})); then
        # cancel the jobs (all of them are this test's: the cluster is private) and let slurmd end their steps
        timeout 10 scancel --full --quiet --partition=debug >/dev/null 2>&1
        for ((i = 0; i < 20; i++)); do
            [[ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ]] && break
            sleep 0.5
        done
        for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# munged with a key of its own, its socket in the work dir
dd if=/dev/urandom of="$T/run/munge.key" bs=1024 count=1 status=none && chmod 400 "$T/run/munge.key"
munged --foreground --force --key-file="$T/run/munge.key" --socket="$T/run/munge.sock" \
    --pid-file="$T/run/munged.pid" --log-file="$T/log/munged.log" --seed-file="$T/run/munge.seed" \
    >"$T/log/munged.out" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 20; i++)); do [[ -S "$T/run/munge.sock" ]] && break; sleep 0.5; done
[[ -S "$T/run/munge.sock" ]] || skip "munged did not start; see $T/log/munged.log $T/log/munged.out"

slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$T/log/slurmd.out" 2>&1 &
PIDS+=($!)

# wait (bounded) until the node is idle
state=""
for ((i = 0; i < STARTUP_TIMEOUT; i++)); do
    state="$(timeout 5 sinfo -h -N -n localhost -o %t 2>/dev/null)"
    [[ "$state" == idle ]] && break
    [[ "$state" != inval* && "$state" != drain* ]] \
        || skip "slurmctld refused the node ($state: $(timeout 5 sinfo -h -R -o %E 2>/dev/null)); see the logs in $T/log"
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || skip "a SLURM daemon exited during startup; see the logs in $T/log"
    done
    sleep 1
done
[[ "$state" == idle ]] \
    || skip "the node did not become idle within ${STARTUP_TIMEOUT}s (state '${state:-none}'); see the logs in $T/log"
note "cluster up: slurmctld 127.0.0.1:$CTLD_PORT, slurmd 127.0.0.1:$SLURMD_PORT, node localhost idle (2 CPUs, ${MEM_MB} MB, gres gpu:1)"

# --- the run ---------------------------------------------------------------------------------------------
# the node's limits; GPU tasks keep the CPU (the GPU is fake); Nextflow submits and polls fast on a private cluster
cat >"$T/slurm-test.config" <<EOF
process {
    resourceLimits = [cpus: 2, memory: '${MEM_MB} MB', time: '1.h']
    withLabel: process_gpu {
        ext.device = 'cpu'
    }
}
executor {
    submitRateLimit   = '20/1s'
    pollInterval      = '2 sec'
    queueStatInterval = '5 sec'
}
EOF
RUN="$T/run-nf"
mkdir -p "$RUN"
log="$T/slurm_run.log" trace="$T/slurm.trace"
# UN_GPU_BUILD_CHECK=off: the GPU is fake and the GPU tasks run on cpu, so the CPU build of the jars is right here
(cd "$RUN" && UN_GPU_BUILD_CHECK=off timeout "$RUN_TIMEOUT" "$ROOT/nextflow" run "$ROOT/main.nf" -ansi-log false \
    -profile test,slurm,gpu -c "$T/slurm-test.config" --outdir "$RUN/results" -with-trace "$trace") >"$log" 2>&1
rc=$?
((rc != 124)) || fail "the run did not finish within ${RUN_TIMEOUT}s" "$log"
((rc == 0)) || fail "the run of -profile test,slurm,gpu failed (exit $rc)" "$log"

# --- checks ----------------------------------------------------------------------------------------------
# trace rows as "process native_id status hash" (columns by name)
rows="$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                    { p = $c["process"]; sub(/.*:/, "", p); print p, $c["native_id"], $c["status"], $c["hash"] }' "$trace")"
# the plan's task counts ("plan: 2 analysis shards, 34 tasks: CORPUS 1, TRAIN 3, ..."), as "PROCESS count" lines
plan="$(grep '^plan: [0-9]* analysis shards\?, [0-9]* tasks: ' "$log" | tail -n 1)"
[[ -n "$plan" ]] || fail "no plan line in the run's log" "$log"
expected="$(tr ',' '\n' <<<"${plan#*tasks: }" | sed 's/^ *//' | sort)"
got="$(awk '$3 == "COMPLETED" { n[$1]++ } END { for (p in n) print p, n[p] }' <<<"$rows" | sort)"
[[ "$got" == "$expected" ]] || fail "expected the plan's tasks ${expected//$'\n'/, }; completed: ${got//$'\n'/, }" "$log"
# the processes that get a GPU: those whose module carries the process_gpu label
gpu_processes=" $(grep -l "^ *label 'process_gpu'" "$ROOT"/modules/local/*/main.nf | xargs sed -n 's/^process \([A-Z_]*\) {.*/\1/p' | paste -sd' ') "
want_gpu_jobs="$(awk -v g="$gpu_processes" 'index(g, " " $1 " ") { n += $2 } END { print n + 0 }' <<<"$expected")"

bad=()
gpu_jobs=0
while read -r process job status hash; do
    dir="$(compgen -G "$RUN/work/$hash*" | head -n 1)"
    run="$dir/.command.run"
    [[ -f "$run" ]] || { bad+=("$process: no .command.run for $hash"); continue; }
    [[ "$job" =~ ^[0-9]+$ ]] || bad+=("$process: native_id '$job' is not a SLURM job id")
    grep -q '^#SBATCH ' "$run" || bad+=("$process: no #SBATCH lines in $run")
    # the main scheduler logs "sched: Allocate JobId=N ...", the backfill scheduler "_start_job: Started JobId=N ..."
    grep -Eq "(Allocate|Started) JobId=$job( |$)" "$T/log/slurmctld.log" || bad+=("$process: job $job not started by slurmctld")
    grep -Eq "JobId=$job done" "$T/log/slurmctld.log" || bad+=("$process: job $job not recorded done by slurmctld")
    if [[ "$gpu_processes" == *" $process "* ]]; then
        gpu_jobs=$((gpu_jobs + 1))
        grep -q '^#SBATCH --gres=gpu:1$' "$run" || bad+=("$process: no '#SBATCH --gres=gpu:1' in $run")
        grep -q -- '--device cpu' "$dir/.command.sh" || bad+=("$process: not run with --device cpu")
    else
        ! grep -q -- '--gres' "$run" || bad+=("$process: asked for a GPU: $(grep -- '--gres' "$run")")
    fi
done <<<"$rows"
((gpu_jobs == want_gpu_jobs)) || bad+=("expected $want_gpu_jobs GPU tasks (${gpu_processes# }), saw $gpu_jobs")
((${#bad[@]} == 0)) || fail "$(IFS='; '; echo "${bad[*]}")" "$log"

if [[ -n "$REFERENCE" ]]; then
    for g in trained control; do
        cmp -s "$REFERENCE/universality/$g/neurons.csv" "$RUN/results/universality/$g/neurons.csv" \
            || fail "universality/$g/neurons.csv differs from the local executor's ($REFERENCE)" "$log"
    done
fi

jobs_run="$(awk '{ print $2 }' <<<"$rows" | sort -n | sed -n '1p;$p' | paste -sd-)"
echo "PASS slurm: $(wc -l <<<"$rows") tasks as SLURM jobs $jobs_run, $gpu_jobs GPU tasks with --gres=gpu:1 on the fake GPU (run on cpu)"
exit 0
