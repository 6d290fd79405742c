#!/usr/bin/env bash
# The client suite against clients, in two modes (two CTests, run side by side):
#   passes: the reference client over plain and over tf, and the Python driver of tests/client
#           (written from docs/client-driver.md alone) over plain, each pass every client
#           scenario with exit 0;
#   catches: every --client-fault of the reference client, and every defect of the Python
#           driver (five classes: framing, length counting, the order of commands, exit
#           handling, hostile input), makes a `must` client scenario fail that checks one of
#           the clauses the defect breaks; the failing cases, their first reasons and the
#           deviations attribution names are printed.
#
# Usage: client_suite_test.sh passes|catches XSIME_CONFORM SCENARIOS_DIR PYTHON PYTHON_DRIVER
set -u
if [[ $# -ne 5 || ( $1 != passes && $1 != catches ) ]]; then
  echo "usage: $0 passes|catches XSIME_CONFORM SCENARIOS_DIR PYTHON PYTHON_DRIVER" >&2
  exit 2
fi
MODE=$1
BIN=$2
SCENARIOS=$3
PYTHON=$4
DRIVER=$5
RUN_LIMIT_S=300
STEP_TIMEOUT_MS=2000
WORK=$(mktemp -d "${TMPDIR:-/tmp}/client-suite-XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
failures=0

# NAME, then the run's options: exit 0, at least one case, every case a passing client case.
check_run() {
  local name=$1
  shift
  local report="$WORK/$name.json"
  timeout "$RUN_LIMIT_S" "$BIN" run "$SCENARIOS" -j 2 --json "$report" "$@" >"$WORK/$name.out" 2>&1
  local rc=$?
  local summary
  summary=$("$PYTHON" - "$report" <<'PY'
import json, sys
try:
    cases = json.load(open(sys.argv[1]))["cases"]
except (OSError, ValueError, KeyError) as error:
    print(f"no report ({error})"); sys.exit(1)
bad = [c["id"] + ": " + c["message"] for c in cases
       if c["verdict"] != "pass" or not c["id"].startswith("client.")]
print(f"{len(cases)} client cases")
for line in bad:
    print("  " + line)
sys.exit(1 if bad or not cases else 0)
PY
)
  local judged=$?
  if [[ $rc -eq 0 && $judged -eq 0 ]]; then
    echo "ok: $name passes: $summary"
  else
    echo "FAIL: $name (exit $rc): $summary"
    tail -15 "$WORK/$name.out" | sed 's/^/  /'
    failures=$((failures + 1))
  fi
}


passes() {
  check_run reference-plain --reference-client
  check_run reference-tf --reference-client --transport tf
  check_run python-plain --exec "$PYTHON $DRIVER {host} {port}"
}

# The Python driver's defects and the clauses each breaks.
declare -A DEFECT_CLAUSES=(
  [framing_extra_tf_prefix]="TF-NO-PREFIX-IN-MODULE"
  [length_counts_chars]="SEND-SZ HDR-SZ-PAYLOAD-SIZE"
  [order_user_first]="ORDER-ORG-BEFORE-USER"
  [exit_no_echo_wait]="EXIT-ECHO"
  [hostile_trusts_sz]="SZ-NEVER-EXCEEDS BUF-MAX ROBUST-BAD-FRAME"
)

# NAME "CLAUSES" then the run's options: exit 1, and a failing must case checks one of CLAUSES.
check_caught() {
  local name=$1 clauses=$2
  shift 2
  local report="$WORK/$name.json"
  timeout "$RUN_LIMIT_S" "$BIN" run "$SCENARIOS" -j 2 --step-timeout "$STEP_TIMEOUT_MS" \
    --json "$report" "$@" >"$WORK/$name.out" 2>&1
  local rc=$?
  local judged
  judged=$("$PYTHON" - "$report" "$clauses" <<'PY'
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except (OSError, ValueError) as error:
    print(f"no report ({error})"); sys.exit(1)
wanted = set(sys.argv[2].split())
failing = [c for c in report["cases"] if c["verdict"] in ("fail", "error")]
right = [c for c in failing if c["level"] == "must" and wanted & set(c["clauses"])]
found = [d["clause"] for d in report.get("deviations", [])]
# Precise: attribution blames only the defect's own clauses (reported, not required).
precise = "precise" if found and set(found) <= wanted else "imprecise"
print(f"{len(failing)} failing, {len(right)} on its clauses; deviations ({precise}): "
      f"{' '.join(found) or '(none)'}")
for case in (right or failing)[:3]:
    print(f"    {case['id']}: {case['message'][:150]}")
sys.exit(0 if right else 1)
PY
)
  local ok=$?
  if [[ $rc -eq 1 && $ok -eq 0 ]]; then
    echo "caught: $name [$clauses]: $judged"
  else
    echo "NOT caught: $name [$clauses] (exit $rc): $judged"
    tail -5 "$WORK/$name.out" | sed 's/^/  /'
    failures=$((failures + 1))
  fi
}

catches() {
  faults=$("$BIN" client-driver --list-client-faults) || {
    echo "FAIL: 'client-driver --list-client-faults' failed"
    exit 1
  }
  count=0
  while IFS= read -r line; do
    fault=${line%%:*}
    clauses=$(sed -n 's/.*(clauses: \(.*\))$/\1/p' <<<"$line" | tr -d ',')
    check_caught "fault-$fault" "$clauses" --reference-client --client-fault "$fault"
    count=$((count + 1))
  done <<<"$faults"
  if [[ $count -lt 5 ]]; then
    echo "FAIL: only $count client faults listed"
    failures=$((failures + 1))
  fi
  for defect in "${!DEFECT_CLAUSES[@]}"; do
    check_caught "python-$defect" "${DEFECT_CLAUSES[$defect]}" \
      --exec "$PYTHON $DRIVER {host} {port} --defect $defect"
  done
}

"$MODE"
if [[ $failures -gt 0 ]]; then
  echo "FAIL: $failures problem(s)"
  exit 1
fi
echo "ok: $MODE"
exit 0
