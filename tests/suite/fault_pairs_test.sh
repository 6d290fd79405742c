#!/usr/bin/env bash
# Two unrelated faults at once must both show: the embedded server is run with a pair of
# faults that break clauses of different areas, and the deviations of the run must name a
# clause of each (`serve --list-faults`), so that neither fault's failures are folded under
# the other as consequences. A relies_on that claims more than a scenario needs fails here.
#
# Usage: fault_pairs_test.sh XSIME_CONFORM SCENARIOS_DIR PYTHON
set -u
if [[ $# -ne 3 ]]; then
  echo "usage: $0 XSIME_CONFORM SCENARIOS_DIR PYTHON" >&2
  exit 2
fi
BIN=$1
SCENARIOS=$2
PYTHON=$3
HERE=$(cd "$(dirname "$0")" && pwd)

# Each pair: two faults whose clauses are in different spec areas and neither of which
# breaks every login or every push (those hide anything else by design).
PAIRS=(
  "blacklist_ignored exit_no_echo"
  "order_ignored same_second_loss"
  "user_limit_off_by_one timestamp_little_endian"
  "send_truncates no_reenter_memory"
)
RUN_LIMIT_S=300
FAULT_STEP_TIMEOUT_MS=2000

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fault-pairs-XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
"$BIN" serve --list-faults >"$WORK/faults.tsv" || {
  echo "FAIL: 'serve --list-faults' failed"
  exit 1
}

failures=0
for pair in "${PAIRS[@]}"; do
  read -r first second <<<"$pair"
  report="$WORK/$first+$second.json"
  started=$SECONDS
  timeout "$RUN_LIMIT_S" "$BIN" run "$SCENARIOS" --server-fault "$first" --server-fault "$second" \
    -j 2 --step-timeout "$FAULT_STEP_TIMEOUT_MS" --json "$report" >"$WORK/$first+$second.out" 2>&1
  rc=$?
  if [[ $rc -ne 1 ]]; then
    echo "FAIL: $first + $second: exit $rc (want 1)"
    tail -5 "$WORK/$first+$second.out" | sed 's/^/  /'
    failures=$((failures + 1))
    continue
  fi
  judgement=$("$PYTHON" "$HERE/deviations.py" covers "$WORK/faults.tsv" "$report" "$first" "$second")
  judged_rc=$?
  echo "$first + $second ($((SECONDS - started)) s): $judgement"
  if [[ $judged_rc -ne 0 ]]; then
    echo "FAIL: $first + $second: the deviations do not name a clause of each fault"
    failures=$((failures + 1))
  fi
done

if [[ $failures -gt 0 ]]; then
  echo "FAIL: $failures of ${#PAIRS[@]} pair(s)"
  exit 1
fi
echo "ok: both faults of each of the ${#PAIRS[@]} pairs show among the deviations"
exit 0
