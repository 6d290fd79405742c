#!/usr/bin/env bash
# The Debian package works once installed: cpack packages the CURRENT build tree (no second
# compile; under the asan preset the package then depends on libasan, as that binary does), the
# .deb is unpacked into a scratch root with `dpkg -x`, and from an empty folder elsewhere:
#   1. `run` with no scenario argument finds the installed scenario set and passes against the
#      embedded server: every server scenario of the installed set runs, exit 0;
#   2. `coverage` finds the installed clause catalogue, exit 0;
#   3. the man page renders without warnings and has a section for every subcommand;
#   4. the package's Depends (dpkg-shlibdeps) name libssl3 and libarchive13, and it holds the
#      binary, the scenario set, the docs and the man page where cmake --install puts them.
#
# Usage: package_test.sh BUILD_DIR CPACK PYTHON
set -u
if [[ $# -ne 3 ]]; then
  echo "usage: $0 BUILD_DIR CPACK PYTHON" >&2
  exit 2
fi
BUILD=$1
CPACK=$2
PYTHON=$3
RUN_LIMIT_S=600
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xsime-package-XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { # NAME: prints how long the previous step took
  echo "[$((SECONDS - STEP_STARTED)) s] $*"
  STEP_STARTED=$SECONDS
}
STEP_STARTED=$SECONDS

# 1. The package, written into the scratch folder, not the build tree.
"$CPACK" --config "$BUILD/CPackConfig.cmake" -B "$WORK/package" >"$WORK/cpack.log" 2>&1 ||
  fail "cpack: $(tail -n 20 "$WORK/cpack.log")"
debs=("$WORK"/package/xsime-conform_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "cpack made no single .deb: ${debs[*]}"
DEB=${debs[0]}
step "cpack: $(basename "$DEB"), $(du -k "$DEB" | cut -f1) KiB"

# 4. The control fields and the contents.
depends=$(dpkg-deb --field "$DEB" Depends) || fail "dpkg-deb --field $DEB"
echo "Depends: $depends"
names=$(tr ',|' '\n' <<<"$depends" | sed 's/^ *//; s/[ (].*//')
for library in libssl3 libarchive13 libstdc++6; do
  grep -qxF "$library" <<<"$names" || fail "Depends lacks $library: $depends"
done
dpkg-deb --contents "$DEB" | awk '{ print $NF }' >"$WORK/contents" || fail "dpkg-deb --contents"
for path in ./usr/bin/xsime-conform ./usr/share/xsime-conform/scenarios/clauses.json \
  ./usr/share/xsime-conform/scenarios/schema.json ./usr/share/xsime-conform/scenarios/FORMAT.md \
  ./usr/share/xsime-conform/scenarios/client/ ./usr/share/doc/xsime-conform/README.md \
  ./usr/share/doc/xsime-conform/reports.md; do
  grep -qxF "$path" "$WORK/contents" || fail "the package lacks $path"
done
grep -qxF ./usr/share/man/man1/xsime-conform.1.gz "$WORK/contents" ||
  fail "the package has no man page (was help2man missing when $BUILD was configured?" \
    "ci/install-deps installs it)"

ROOT=$WORK/root
dpkg -x "$DEB" "$ROOT" || fail "dpkg -x $DEB"
BIN=$ROOT/usr/bin/xsime-conform
version=$(dpkg-deb --field "$DEB" Version)
[[ $("$BIN" --version) == "xsime-conform $version" ]] ||
  fail "the installed binary says '$("$BIN" --version)', the package is version $version"
step "contents and Depends checked, unpacked"

# 1. run from an empty folder: no ./scenarios there, no override, so the installed set.
mkdir "$WORK/elsewhere" || fail "mkdir $WORK/elsewhere"
cd "$WORK/elsewhere" || fail "cd $WORK/elsewhere"
unset XSIME_SCENARIOS
timeout "$RUN_LIMIT_S" "$BIN" run --jobs 2 --json "$WORK/run.json" >"$WORK/run.out" 2>&1
status=$?
if [[ $status -ne 0 ]]; then
  tail -n 30 "$WORK/run.out" >&2
  fail "the installed 'xsime-conform run' exited $status (want 0)"
fi
# Every server scenario of the installed set ran, and nothing else: proof it used that set.
"$PYTHON" - "$ROOT/usr/share/xsime-conform/scenarios" "$WORK/run.json" <<'PY' || fail "run"
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
want = {f"{p.parent.name}.{p.stem}" for p in root.glob("*/*.json") if p.parent.name != "client"}
got = {case["id"] for case in json.load(open(sys.argv[2]))["cases"]}
if not want or want != got:
    print(f"ran {len(got)} cases, the installed set has {len(want)} server scenarios; "
          f"missing {sorted(want - got)[:5]}, extra {sorted(got - want)[:5]}")
    sys.exit(1)
print(f"{len(got)} cases: the installed set's server scenarios")
PY
step "run: $(tail -n 1 "$WORK/run.out")"

# 2. coverage from the same folder.
"$BIN" coverage >"$WORK/coverage.out" 2>&1 ||
  fail "the installed 'xsime-conform coverage' exited $?: $(tail -n 5 "$WORK/coverage.out")"
grep -q "DELIVERY-EXACTLY-ONCE" "$WORK/coverage.out" || fail "coverage shows no clause"
step "coverage: exit 0"

# 3. The man page renders without warnings and has a section for every subcommand.
page=$ROOT/usr/share/man/man1/xsime-conform.1.gz
zcat "$page" | groff -man -Tutf8 -ww -P-cbou >"$WORK/man.txt" 2>"$WORK/man.err" ||
  fail "groff could not render $page"
[[ ! -s $WORK/man.err ]] || fail "groff warns on the man page: $(head -n 5 "$WORK/man.err")"
for heading in NAME SYNOPSIS DESCRIPTION COMMANDS ENVIRONMENT FILES; do
  grep -q "^$heading" "$WORK/man.txt" || fail "the man page has no $heading section"
done
commands=$("$BIN" --help | awk '/^(Commands|SUBCOMMANDS):?$/ { on = 1; next }
  /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }')
[[ -n $commands ]] || fail "'xsime-conform --help' lists no commands"
for command in $commands; do
  grep -q "^   xsime-conform $command\$" "$WORK/man.txt" ||
    fail "the man page has no subsection for '$command'"
done
step "man page: $(wc -l <"$WORK/man.txt") lines; commands: $(tr '\n' ' ' <<<"$commands")"
echo "PASS"
