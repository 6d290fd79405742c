#!/usr/bin/env bash
# The suite over the tf transport gives the results it gives over plain:
#   1. plain, embedded server, local fixtures: the baseline, everything passes;
#   2. tf, embedded server (handshake + cipher), local fixtures: the same verdict for every case;
#   3. tf against a separate `serve --transport tf` process with --pubkey/--hash and no --root,
#      so fixtures go through the TF commands: the same verdicts, except the scenarios that need
#      symlinks (no TF command makes one), skipped for that reason: exactly REMOTE_SKIPS below
#      (compare_runs.py checks the reasons, and that no scenario needs a local fixture for
#      anything else).
#
# Usage: tf_suite_test.sh XSIME_CONFORM SCENARIOS_DIR PYTHON
set -u
if [[ $# -ne 3 ]]; then
  echo "usage: $0 XSIME_CONFORM SCENARIOS_DIR PYTHON" >&2
  exit 2
fi
BIN=$1
SCENARIOS=$2
PYTHON=$3
# The only cases a remote run may skip: their fixtures hold symlinks.
REMOTE_SKIPS="org-user.recipient-traversal-not-delivered org-user.recipient-traversal-refused
org-user.symlink-user-to-root org-user.traversal-symlink-refused"
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/xsime-tf-suite.XXXXXX)
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

run() { # NAME ARGS...: one suite run, its JSON report in $WORK/NAME.json
  local name=$1
  shift
  local started=$SECONDS
  "$BIN" run -j 2 --json "$WORK/$name.json" "$@" "$SCENARIOS" >"$WORK/$name.out" 2>&1
  local status=$?
  echo "$name: exit $status in $((SECONDS - started)) s: $(tail -n 1 "$WORK/$name.out")"
  if [[ $status -ne 0 ]]; then
    grep -E "^(FAIL|ERROR)|^ +" "$WORK/$name.out" | head -n 40 >&2
    fail "$name exited $status (want 0)"
  fi
}

run plain
run tf-embedded --transport tf
"$PYTHON" "$HERE/compare_runs.py" "$SCENARIOS" "$WORK/plain.json" "$WORK/tf-embedded.json" ||
  fail "tf (embedded, local fixtures) differs from plain"

"$BIN" keygen "$WORK/keys" >/dev/null || fail "keygen"
mkdir "$WORK/root"
"$BIN" serve --root "$WORK/root" --port 0 --transport tf --key "$WORK/keys/private.pem" \
  --hash tf-suite-hash --proto-version 0.0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do
  grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break
  sleep 0.1
done
PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/serve.out")
[[ -n $PORT ]] || fail "serve did not start: $(cat "$WORK/serve.err")"

run tf-remote --target "127.0.0.1:$PORT" --transport tf --pubkey "$WORK/keys/public.pem" \
  --hash tf-suite-hash --proto-version 0.0
grep -q '"fixtures": "remote"' "$WORK/tf-remote.json" || fail "the remote run did not use remote fixtures"
"$PYTHON" "$HERE/compare_runs.py" "$SCENARIOS" "$WORK/plain.json" "$WORK/tf-remote.json" \
  --remote-fixtures || fail "tf (remote fixtures) differs from plain beyond the stated skips"
skipped=$("$PYTHON" -c 'import json, sys
print(" ".join(sorted(c["id"] for c in json.load(open(sys.argv[1]))["cases"]
                      if c["verdict"] == "skipped")))' "$WORK/tf-remote.json")
want=$(echo $REMOTE_SKIPS | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
[[ $skipped == "$want" ]] || fail "remote skips: got [$skipped], want [$want]"

# Remote fixtures leave nothing behind: every org unit the run made was removed with RMDIR.
leftovers=$(find "$WORK/root" -mindepth 1 -maxdepth 1 -not -name ".*" | head -n 5)
[[ -z $leftovers ]] || fail "org units left in the server's root: $leftovers"
echo "PASS"
