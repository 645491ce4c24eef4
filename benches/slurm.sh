#!/usr/bin/env bash
# Slurm overhead benchmark (not run by the tests): a chain and a fan-out of
# N `true` steps, `wfc run --executor slurm` against raw sbatch.
#   raw chain:   sbatch --dependency=afterok:<prev> N times, wait for the last
#   raw fan-out: N independent sbatch, wait for all
# Usage: benches/slurm.sh [N] (default 100), with a running cluster
# (`eval "$(scripts/start-slurm)"`) and wfc built (WFC=path, default
# target/release/wfc, else target/debug/wfc).
set -euo pipefail
n=${1:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
wfc=${WFC:-$root/target/release/wfc}
[ -x "$wfc" ] || wfc=$root/target/debug/wfc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

now() { date +%s.%N; }
# Waits until none of the given job ids is pending or running.
wait_jobs() {
    local ids=$1
    while squeue -h -j "$ids" -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null | grep -q .; do
        sleep 0.1
    done
}

{
    echo 'workflow chain {'
    echo '  step s1: shell { run "true" }'
    for i in $(seq 2 "$n"); do echo "  step s$i: shell { run \"true\" depends on s$((i - 1)) }"; done
    echo '}'
} >chain.wf
{
    echo 'workflow fan {'
    for i in $(seq 1 "$n"); do echo "  step s$i: shell { run \"true\" }"; done
    echo '}'
} >fan.wf

printf '#!/bin/sh\ntrue\n' >job.sh
run_raw_chain() {
    local prev="" id ids=""
    for _ in $(seq 1 "$n"); do
        if [ -z "$prev" ]; then
            id=$(sbatch --parsable -o /dev/null job.sh)
        else
            id=$(sbatch --parsable -o /dev/null --dependency=afterok:"$prev" job.sh)
        fi
        prev=${id%%;*}
    done
    wait_jobs "$prev"
}
run_raw_fan() {
    local ids=""
    for _ in $(seq 1 "$n"); do ids="$ids,$(sbatch --parsable -o /dev/null job.sh)"; done
    wait_jobs "${ids#,}"
}

report() { # name start end
    awk -v name="$1" -v s="$2" -v e="$3" -v n="$n" \
        'BEGIN { printf "%-22s %8.2f s  %6.0f ms/step\n", name, e - s, (e - s) * 1000 / n }'
}

export WFC_SLURM_DIR=$work/jobs
t0=$(now); "$wfc" run chain.wf --plain --no-store --executor slurm >/dev/null; t1=$(now)
report "wfc chain" "$t0" "$t1"
t0=$(now); run_raw_chain; t1=$(now)
report "raw sbatch chain" "$t0" "$t1"
t0=$(now); "$wfc" run fan.wf --plain --no-store --executor slurm --jobs "$n" >/dev/null; t1=$(now)
report "wfc fan-out" "$t0" "$t1"
t0=$(now); run_raw_fan; t1=$(now)
report "raw sbatch fan-out" "$t0" "$t1"
