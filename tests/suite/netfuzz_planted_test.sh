#!/usr/bin/env bash
# The network fuzzer finds the planted bugs (mock_server/faults.hpp, test-only) with a fixed
# seed in bounded time, and each finding replays with `run`: it fails against a server with
# that planted bug and passes against the correct one. Against the correct server a short fuzz
# run finds nothing (no false positives).
#
# Usage: netfuzz_planted_test.sh XSIME_CONFORM SCENARIOS_DIR
set -u

if [[ $# -ne 2 ]]; then
  echo "usage: $0 XSIME_CONFORM SCENARIOS_DIR" >&2
  exit 2
fi
BIN=$1
CLAUSES=$2/clauses.json
MAX_CASES=3000
LIMIT_S=90 # per fuzz or run command: a hang of the fuzzer is a failure, not a stuck test

WORK=$(mktemp -d "${TMPDIR:-/tmp}/netfuzz-planted-XXXXXX") || exit 2
# The servers' mailboxes in memory when possible: each case makes and removes an org unit.
SHM=$WORK
[[ -d /dev/shm && -w /dev/shm ]] && SHM=$(mktemp -d /dev/shm/netfuzz-planted-XXXXXX)
SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK" "$SHM"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Starts `serve` with the planted bug $1 on a fresh root; sets SERVER_PID, PORT and ROOT.
start_server() {
  ROOT=$(mktemp -d "$SHM/root-XXXXXX")
  # The last server's port must not be read while this one's redirection has not yet emptied it.
  rm -f "$WORK/serve.out"
  "$BIN" serve --quiet --root "$ROOT" --port 0 --fault "$1" >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  PORT=
  for _ in $(seq 100); do
    PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/serve.out" 2>/dev/null)
    [[ -n $PORT ]] && return 0
    sleep 0.1
  done
  fail "serve --fault $1 did not start: $(cat "$WORK/serve.err")"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}

for kind in crash hang spec; do
  fault=planted_$kind
  root=$(mktemp -d "$SHM/fuzzroot-XXXXXX")
  findings=$WORK/findings-$kind
  started=$SECONDS
  timeout "$LIMIT_S" "$BIN" fuzz --exec "$BIN serve --quiet --root $root --port {port} --fault $fault" \
    --root "$root" --seed 1 --max-cases "$MAX_CASES" --duration 60s --findings "$findings" \
    >"$WORK/fuzz-$kind.out" 2>"$WORK/fuzz-$kind.err"
  status=$?
  echo "fuzz $fault: exit $status in $((SECONDS - started)) s"
  cat "$WORK/fuzz-$kind.out"
  [[ $status -eq 1 ]] || fail "fuzz $fault exited $status (want 1): $(tail -n 5 "$WORK/fuzz-$kind.err")"
  files=("$findings"/fuzz/"$kind"-*.json)
  [[ -f ${files[0]} ]] || fail "fuzz $fault wrote no $kind finding: $(ls -R "$findings")"
  file=${files[0]}

  start_server "$fault"
  timeout "$LIMIT_S" "$BIN" run "$file" --clauses "$CLAUSES" --target "127.0.0.1:$PORT" \
    --root "$ROOT" --step-timeout 2000 >"$WORK/replay-$kind.out" 2>&1
  status=$?
  stop_server
  [[ $status -eq 1 ]] || fail "replaying $file against $fault exited $status (want 1): $(cat "$WORK/replay-$kind.out")"

  timeout "$LIMIT_S" "$BIN" run "$file" --clauses "$CLAUSES" --step-timeout 2000 \
    >"$WORK/correct-$kind.out" 2>&1
  status=$?
  [[ $status -eq 0 ]] || fail "replaying $file against the correct server exited $status (want 0): $(cat "$WORK/correct-$kind.out")"
  echo "ok: $fault found, $(basename "$file") replays (fails on $fault, passes on the correct server)"
done

timeout "$LIMIT_S" "$BIN" fuzz --seed 1 --max-cases "$MAX_CASES" --duration 60s \
  --findings "$WORK/findings-none" >"$WORK/fuzz-none.out" 2>"$WORK/fuzz-none.err"
status=$?
cat "$WORK/fuzz-none.out"
[[ $status -eq 0 ]] || fail "fuzz against the correct server exited $status (want 0, no finding)"
echo "ok: no finding against the correct server"
