#!/usr/bin/env bash
# The network fuzzer's leak and outside-org-unit oracles bite (docs/network-fuzzer.md,
# "Oracles"): with a fixed seed and a bounded number of cases, `fuzz` finds the planted leak
# (planted_leak: a descriptor per re-entry) of a server it started, and the planted escape
# (planted_escape: messages/ made under the root) with --exec --root and with the embedded
# server; the same runs against the correct server find nothing.
#
# Usage: netfuzz_oracles_test.sh XSIME_CONFORM
set -u

if [[ $# -ne 1 ]]; then
  echo "usage: $0 XSIME_CONFORM" >&2
  exit 2
fi
BIN=$1
# The leak oracle samples every 500 cases after case 500: case 1000 is its first comparison.
LEAK_CASES=1000
# planted_escape's input (a user frame "/") comes up at case 91 of seed 1; the correct server
# gets as many cases as netfuzz_planted gives it.
ESCAPE_CASES=1000
NONE_CASES=3000
LIMIT_S=120 # per fuzz command: a hang of the fuzzer is a failure, not a stuck test

WORK=$(mktemp -d "${TMPDIR:-/tmp}/netfuzz-oracles-XXXXXX") || exit 2
# The servers' mailboxes in memory when possible: each case makes and removes an org unit.
SHM=$WORK
[[ -d /dev/shm && -w /dev/shm ]] && SHM=$(mktemp -d /dev/shm/netfuzz-oracles-XXXXXX)
cleanup() {
  rm -rf "$WORK" "$SHM"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# fuzz NAME WANT_STATUS ARGS...: runs `fuzz` with a fresh findings folder $WORK/NAME and
# checks its exit status; the summary is shown.
fuzz() {
  local name=$1 want=$2
  shift 2
  local started=$SECONDS status
  timeout "$LIMIT_S" "$BIN" fuzz --seed 1 --duration 100s --findings "$WORK/$name" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err"
  status=$?
  echo "fuzz $name: exit $status in $((SECONDS - started)) s"
  cat "$WORK/$name.out"
  [[ $status -eq $want ]] || fail "fuzz $name exited $status (want $want): $(tail -n 5 "$WORK/$name.err")"
}

# exec_fuzz NAME WANT_STATUS FAULT CASES: `fuzz --exec serve` on a fresh root it also knows.
exec_fuzz() {
  local root
  root=$(mktemp -d "$SHM/root-XXXXXX")
  local fault=()
  [[ -n $3 ]] && fault=(--fault "$3")
  fuzz "$1" "$2" --exec "$BIN serve --quiet --root $root --port {port} ${fault[*]}" \
    --root "$root" --max-cases "$4"
}

# The only files in the findings folder $1 are those matching $2 (a glob): no other oracle fired.
only_findings() {
  local extra
  extra=$(find "$WORK/$1/fuzz" -type f ! -name "$2" 2>/dev/null)
  [[ -z $extra ]] || fail "$1: unexpected findings beside $2: $extra"
}

# Leak: found with the fault, by its descriptors; nothing without it.
exec_fuzz leak 1 planted_leak "$LEAK_CASES"
leak=$WORK/leak/fuzz/leak.txt
[[ -f $leak ]] || fail "no leak.txt: $(ls -R "$WORK/leak" 2>&1)"
[[ $(head -n 1 "$leak") == leak:fds ]] || fail "leak.txt does not name descriptors: $(cat "$leak")"
grep -q "open descriptors" "$leak" || fail "leak.txt gives no descriptor counts: $(cat "$leak")"
grep -q "fuzz.leak" "$WORK/leak.out" || fail "the summary does not list the leak"
only_findings leak leak.txt
echo "ok: planted_leak found: $(tail -n 1 "$leak")"

exec_fuzz no-leak 0 "" "$LEAK_CASES"
[[ ! -e $WORK/no-leak/fuzz ]] || fail "findings against the correct server: $(ls -R "$WORK/no-leak")"
echo "ok: no leak and no change outside the org units on the correct server (--exec --root)"

# Outside the org unit, with --exec --root: a text finding naming the folder made in the root.
check_escape() {
  local files=("$WORK/$1"/fuzz/spec-*.txt)
  [[ -f ${files[0]} ]] || fail "$1: no spec-*.txt finding: $(ls -R "$WORK/$1" 2>&1)"
  local text=${files[0]}
  [[ $(head -n 1 "$text") == "spec:outside-org-unit (clause PATHS-JAIL"* ]] ||
    fail "$1: not an outside-org-unit finding: $(cat "$text")"
  grep -q "^  /messages: created (a folder)$" "$text" || fail "$1: /messages not named: $(cat "$text")"
  grep -q "fuzz.spec-" "$WORK/$1.out" || fail "$1: the summary does not list it"
  only_findings "$1" "spec-*.txt"
  echo "ok: planted_escape found ($1): $(sed -n 2p "$text")"
}
exec_fuzz escape 1 planted_escape "$ESCAPE_CASES"
check_escape escape

# The embedded server (the fuzzer's own temporary root and its parent), with and without it.
fuzz embedded-escape 1 --server-fault planted_escape --max-cases "$ESCAPE_CASES"
check_escape embedded-escape
fuzz embedded-none 0 --max-cases "$NONE_CASES"
[[ ! -e $WORK/embedded-none/fuzz ]] || fail "findings against the embedded correct server"
echo "ok: no finding against the embedded correct server"
