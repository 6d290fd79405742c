#!/usr/bin/env bash
# The HTML report in a real browser: a failing run (the embedded server with a fault) writes
# --html and --json; headless Chromium prints the page to PDF, pdftotext reads it back, and
# the text must show the verdict, the counts, every deviation with the cases proving it and
# every consequence (printing unfolds them), as the JSON report lists them.
#
# Usage: html_report_browser_test.sh XSIME_CONFORM SCENARIOS_DIR PYTHON
# Needs chromium and pdftotext (Debian: chromium, poppler-utils; ci/install-deps installs them).
set -u

if [[ $# -lt 3 ]]; then
  echo "usage: $0 XSIME_CONFORM SCENARIOS_DIR PYTHON" >&2
  exit 2
fi
BIN=$1
SCENARIOS=$2
PYTHON=$3
for tool in chromium pdftotext; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed (ci/install-deps installs chromium and poppler-utils)"
    exit 1
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/html-browser-XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

# A copy of delivery.one-recipient that relies on the clauses the original checks: with the
# fault, the original fails and this one becomes its consequence.
mkdir -p "$WORK/extra/delivery"
"$PYTHON" - "$SCENARIOS/delivery/one-recipient.json" "$WORK/extra/delivery/relies-on-push.json" <<'PY'
import json, sys
scenario = json.load(open(sys.argv[1]))
scenario["id"] = "delivery.relies-on-push"
scenario["name"] = "The same exchange, relying on pushes"
scenario["relies_on"] = scenario["clauses"]
scenario["clauses"] = ["SEND-SZ"]
json.dump(scenario, open(sys.argv[2], "w"), indent=2)
PY

# Bounded: a run that hangs fails the test instead of blocking it.
timeout 300 "$BIN" run "$SCENARIOS" "$WORK/extra" --clauses "$SCENARIOS/clauses.json" \
  --server-fault push_field_order --filter 'delivery.*' --level must -j 2 --step-timeout 2000 \
  --html "$WORK/report.html" --json "$WORK/report.json" >"$WORK/console.txt" 2>&1
status=$?
if [[ $status -ne 1 ]]; then
  echo "FAIL: the faulty run exited $status, not 1 (non-conformant)"
  tail -20 "$WORK/console.txt"
  exit 1
fi

# Root needs --no-sandbox; a private profile folder keeps runs apart and leaves nothing behind.
if ! timeout 120 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --user-data-dir="$WORK/profile" --print-to-pdf="$WORK/report.pdf" \
  "file://$WORK/report.html" >"$WORK/chromium.log" 2>&1; then
  echo "FAIL: chromium could not print the report"
  tail -20 "$WORK/chromium.log"
  exit 1
fi
if ! pdftotext "$WORK/report.pdf" "$WORK/report.txt"; then
  echo "FAIL: pdftotext could not read the printed report"
  exit 1
fi

"$PYTHON" - "$WORK/report.json" "$WORK/report.txt" <<'PY'
import json, re, sys
report = json.load(open(sys.argv[1]))
# Lines wrap anywhere (ids break at hyphens): compare with every blank removed.
text = re.sub(r"\s+", "", open(sys.argv[2], encoding="utf-8").read())
def shown(words):
    return re.sub(r"\s+", "", words) in text
summary = report["summary"]
failures = []
def expect(words, why):
    if not shown(words):
        failures.append(f"{why}: '{words}' is not in the rendered page")
expect(summary["verdict"], "the verdict")
d, c = summary["deviations"], summary["consequences"]
expect(f"{d} deviation{'s' if d != 1 else ''}, {c} consequence{'s' if c != 1 else ''}", "the counts")
expect(f"{summary['passed']} passed", "the passes")
expect(f"{summary['failed']} failed", "the failures")
if not report["deviations"]:
    failures.append("the faulty run has no deviation: the fault or the attribution changed")
if c < 1:
    failures.append("delivery.relies-on-push is no consequence: the attribution changed")
for deviation in report["deviations"]:
    expect(deviation["clause"], "a deviation's clause")
    for case in deviation["cases"]:
        expect(case, f"a case proving {deviation['clause']}")
    for case in deviation["consequences"]:
        expect(case, f"a consequence of {deviation['clause']}")
# Each consequence says what it follows from: printing unfolds the <details> that hold them.
for case in report["cases"]:
    cause = case.get("consequence_of")
    if cause:
        expect(f"{case['id']}", "a consequence")
        expect(f"consequence of {cause['clause']} (see {cause['case']})", f"why {case['id']} failed")
# The check can fail: a word the report does not hold is not found.
if shown("delivery.no-such-case-anywhere"):
    failures.append("the text matches anything: the check is broken")
for failure in failures:
    print("FAIL:", failure)
if failures:
    sys.exit(1)
print(f"ok: the browser shows {summary['verdict']}, {d} deviations and {c} consequences")
PY
