#!/usr/bin/env bash
# Runs xsime-loadgen against a fresh reference server: idle memory (1000 sessions) then
# throughput (100 sessions, 10 s, 1 ms interval). Builds nothing.
#
# usage: bench/run_loadgen.sh [XSIME_CONFORM [XSIME_LOADGEN]] [-- extra loadgen options]
#   defaults: build/release/cli/xsime-conform build/release/bench/xsime-loadgen
#   SESSIONS, DURATION, INTERVAL_MS, IDLE override the defaults from the environment.
#   The mailbox root is `mktemp -d`, so TMPDIR picks its filesystem. It matters: the
#   server creates and deletes one inode per message, and on ext4 without a journal
#   every inode allocation skips all inodes deleted in the last minutes (the kernel's
#   recently_deleted()), which caps throughput near 1,000 msg/s. TMPDIR=/dev/shm (tmpfs)
#   measures the server instead of that.
# Exit status: 0 when both runs pass, otherwise the first failing run's status.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
conform=${1:-$here/build/release/cli/xsime-conform}
loadgen=${2:-$here/build/release/bench/xsime-loadgen}
shift $(($# < 2 ? $# : 2))
[[ ${1:-} == -- ]] && shift
extra=("$@")
sessions=${SESSIONS:-100}
duration=${DURATION:-10}
interval_ms=${INTERVAL_MS:-1}
idle=${IDLE:-1000}

for exe in "$conform" "$loadgen"; do
    if [[ ! -x $exe ]]; then
        echo "run_loadgen: $exe is not an executable (build it first)" >&2
        exit 2
    fi
done

# 1000 idle sessions need 1000+ descriptors in the server and in the load generator;
# raised as far as the hard limit allows, which both processes inherit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < idle + 64)); then
    echo "run_loadgen: warning: only $(ulimit -n) file descriptors for $idle idle sessions" >&2
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/xsime-loadgen.XXXXXX")
out=$root.out
server_pid=
# shellcheck disable=SC2317  # called by the EXIT trap, which shellcheck cannot see
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        # The server gives its sessions 3 s to finish, then exits; wait at most 5 s.
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$root" "$out"
}
trap cleanup EXIT

"$conform" serve --root "$root" --port 0 --quiet >"$out" &
server_pid=$!

# The server prints "listening on 127.0.0.1:PORT" once bound; give it 10 s.
target=
for _ in $(seq 100); do
    if line=$(grep -m1 '^listening on ' "$out" 2>/dev/null); then
        target=${line#listening on }
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "run_loadgen: the server exited before listening" >&2
        exit 3
    fi
    sleep 0.1
done
if [[ -z $target ]]; then
    echo "run_loadgen: the server did not report its port within 10 s" >&2
    exit 3
fi
echo "server pid $server_pid at $target, root $root ($(stat -f -c %T "$root"))"

status=0
# Idle memory first, on the fresh server: after the throughput run the heap holds freed but
# resident memory that new sessions reuse, which would hide their cost (or show it negative).
echo
"$loadgen" --target "$target" --root "$root" --idle "$idle" --server-pid "$server_pid" \
    --json "${extra[@]}" || status=$?
echo
"$loadgen" --target "$target" --root "$root" --sessions "$sessions" --duration "$duration" \
    --interval-ms "$interval_ms" --server-pid "$server_pid" --json "${extra[@]}" ||
    { rc=$?; if ((status == 0)); then status=$rc; fi; }
exit "$status"
