#!/usr/bin/env bash
# Measures how many scenarios per second `xsime-conform run` replays against the embedded
# reference server, with -j 1 and -j 4: the suite is repeated (--repeat) until one run takes
# at least MIN_SECONDS, each setting is run RUNS times and the median is reported. Builds
# nothing; needs a Release build:
#   cmake --preset release && cmake --build --preset release --target xsime-conform
#
# usage: bench/suite_bench.sh [XSIME_CONFORM] [-- extra `run` options]
#   default XSIME_CONFORM: build/release/cli/xsime-conform
#   SCENARIOS (default: the repository's scenarios/), JOBS ("1 4"), RUNS (3), MIN_SECONDS (3)
#   and REPEAT (10, the first --repeat tried) override the defaults from the environment.
#   Scenarios per second = cases in the JSON report / its duration_s (the run itself, without
#   process start-up). The embedded server's mailbox is under TMPDIR, whose filesystem can
#   matter (bench/run_loadgen.sh explains why); it is printed with the results.
# Exit status: 0 when every run passed (exit 0); 2 for a missing or non-Release binary;
# otherwise the status of the first run that did not pass (its numbers would mean nothing).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
conform=$here/build/release/cli/xsime-conform
if (($# > 0)) && [[ $1 != -- ]]; then
    conform=$1
    shift
fi
[[ ${1:-} == -- ]] && shift
extra=("$@")
scenarios=${SCENARIOS:-$here/scenarios}
jobs_list=${JOBS:-1 4}
runs=${RUNS:-3}
min_seconds=${MIN_SECONDS:-3}
first_repeat=${REPEAT:-10}

if [[ ! -x $conform ]]; then
    echo "suite_bench: $conform is not an executable; build it first:" >&2
    echo "  cmake --preset release && cmake --build --preset release --target xsime-conform" >&2
    exit 2
fi
# A Debug or sanitizer build measures the instrumentation: refuse one we can recognise.
cache=$(cd "$(dirname "$conform")/.." && pwd)/CMakeCache.txt
if [[ -f $cache ]]; then
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
    sanitize=$(sed -n 's/^XSIME_SANITIZE:[A-Z]*=//p' "$cache")
    if [[ $build_type != Release || -n $sanitize ]]; then
        echo "suite_bench: $conform is a '$build_type' build${sanitize:+ with $sanitize};" \
            "use the release preset" >&2
        exit 2
    fi
else
    echo "suite_bench: warning: cannot tell how $conform was built (no $cache)" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/xsime-suite-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One run; sets `cases` and `seconds` from its JSON report. Not run in a subshell, so that a
# run that does not pass stops the benchmark, with its exit status and its console output.
run_once() {
    local jobs=$1 repeat=$2 status=0
    "$conform" run -j "$jobs" --repeat "$repeat" --json "$work/report.json" \
        "${extra[@]}" "$scenarios" >"$work/console.txt" 2>&1 || status=$?
    if ((status != 0)); then
        echo "suite_bench: run -j $jobs --repeat $repeat exited with $status:" >&2
        tail -n 20 "$work/console.txt" >&2
        exit "$status"
    fi
    read -r cases seconds < <(python3 -c 'import json, sys
report = json.load(open(sys.argv[1]))
print(report["summary"]["total"], report["duration_s"])' "$work/report.json")
}

# The selection's size as the tool counts it (the last line of --list: "N scenarios").
if ! listed=$("$conform" run --list "${extra[@]}" "$scenarios" 2>&1); then
    echo "suite_bench: cannot list the scenarios:" >&2
    echo "$listed" >&2
    exit 2
fi
fs_type=$(stat -f -c %T "${TMPDIR:-/tmp}")
echo "xsime-conform run against the embedded server: $(tail -n 1 <<<"$listed") in $scenarios"
echo "binary $conform; TMPDIR ${TMPDIR:-/tmp} ($fs_type); $(nproc) CPUs; median of $runs runs"
echo
printf '%4s  %6s  %6s  %-30s  %s\n' jobs repeat cases "scenarios/s per run" "median scenarios/s"

for jobs in $jobs_list; do
    # Calibrate: repeat the suite until one run takes at least MIN_SECONDS.
    repeat=$first_repeat
    run_once "$jobs" "$repeat"
    while python3 -c "import sys; sys.exit(0 if $seconds < $min_seconds else 1)"; do
        repeat=$(python3 -c "import math; print(max($repeat * 2, math.ceil($repeat * $min_seconds * 1.2 / max($seconds, 0.001))))")
        run_once "$jobs" "$repeat"
    done
    rates=()
    for ((i = 0; i < runs; ++i)); do
        run_once "$jobs" "$repeat"
        rates+=("$(python3 -c "print(f'{$cases / $seconds:.1f}')")")
    done
    median=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{ v[NR] = $1 } END {
        print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    printf '%4s  %6s  %6s  %-30s  %s\n' "$jobs" "$repeat" "$cases" "${rates[*]}" "$median"
done
