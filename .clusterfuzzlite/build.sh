#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every fuzz target (fuzz/*_fuzz.cpp) into $OUT with its
# dictionary (<target>.dict), seed corpus (<target>_seed_corpus.zip) and options.
#
# Runs in the base-builder image with the environment OSS-Fuzz sets: $SRC (the project is
# $SRC/xsime-conform), $WORK, $OUT, $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizers and
# -fsanitize=fuzzer-no-link) and $LIB_FUZZING_ENGINE; ci/fuzz-smoke runs it the same way here.
#
# The seed zips hold the checked-in corpus (fuzz/corpus/<target>/) and the seeds derived from
# the scenario suite (fuzz/seeds_from_scenarios.py), for which xsime-conform is built too.
# Optional: XSIME_DERIVED_SEEDS=0 skips those (a faster build, checked-in seeds only);
# XSIME_CONFORM_BIN=PATH derives them with an xsime-conform built elsewhere instead;
# XSIME_CMAKE_ARGS adds CMake arguments (e.g. -DCMAKE_CXX_COMPILER_LAUNCHER=ccache);
# XSIME_BUILD_JOBS (default: nproc).
set -euo pipefail

project="$SRC/xsime-conform"
build="$WORK/xsime-build"
seeds="$WORK/xsime-derived-seeds"
jobs="${XSIME_BUILD_JOBS:-$(nproc)}"

targets=()
for source in "$project"/fuzz/*_fuzz.cpp; do
  targets+=("$(basename "$source" .cpp)")
done
echo "build.sh: fuzz targets: ${targets[*]}"

# CMAKE_BUILD_TYPE stays empty: the optimisation and debug flags are OSS-Fuzz's, in CFLAGS.
# XSIME_FUZZING_ENGINE makes the project add no sanitizer flags of its own. OpenSSL is linked
# statically so that the fuzzers run on a runner image without libssl. Warnings stay warnings:
# OSS-Fuzz's clang is newer than the ones the project is kept clean with.
# shellcheck disable=SC2086 # XSIME_CMAKE_ARGS is a list of words
cmake -S "$project" -B "$build" --no-warn-unused-cli \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_TYPE= \
  -DXSIME_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DXSIME_BUILD_TESTS=OFF -DXSIME_BUILD_BENCH=OFF -DXSIME_WERROR=OFF \
  -DOPENSSL_USE_STATIC_LIBS=TRUE \
  ${XSIME_CMAKE_ARGS:-}

build_targets=("${targets[@]}")
conform="${XSIME_CONFORM_BIN:-$build/cli/xsime-conform}"
if [ "${XSIME_DERIVED_SEEDS:-1}" != 0 ] && [ -z "${XSIME_CONFORM_BIN:-}" ]; then
  build_targets+=(xsime-conform)
fi
cmake --build "$build" -j"$jobs" --target "${build_targets[@]}"

rm -rf "$seeds"
if [ "${XSIME_DERIVED_SEEDS:-1}" != 0 ]; then
  # The instrumented binary serves and runs the suite: its exit-time leak report is not what is
  # wanted here, nor a coverage build's profile files in the source tree.
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    LLVM_PROFILE_FILE="$WORK/xsime-seeds-%p.profraw" \
    python3 "$project/fuzz/seeds_from_scenarios.py" "$conform" "$seeds" \
    --scenarios "$project/scenarios"
fi

# Inputs longer than this are cut when fuzzing: the codec's and TF's interesting lengths are
# small (lying sz values reach the limits without the bytes), a scenario file is up to ~4 KiB.
max_len_of() {
  case "$1" in
    scenario_loader_fuzz) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

mkdir -p "$OUT"
for target in "${targets[@]}"; do
  cp "$build/fuzz/$target" "$OUT/$target"
  if [ ! -f "$project/fuzz/$target.dict" ]; then
    echo "build.sh: fuzz/$target.dict is missing: run tools/fuzz_dicts (fuzz/README.md)" >&2
    exit 1
  fi
  cp "$project/fuzz/$target.dict" "$OUT/$target.dict"
  printf '[libfuzzer]\nmax_len = %s\n' "$(max_len_of "$target")" >"$OUT/$target.options"

  zip="$OUT/${target}_seed_corpus.zip"
  rm -f "$zip"
  inputs=()
  declare -A named=()
  for folder in "$project/fuzz/corpus/$target" "$seeds/$target"; do
    [ -d "$folder" ] || continue
    while IFS= read -r -d '' file; do
      # A checked-in seed named by its SHA-1 (a -merge=1 leftover) may also be derived.
      [ -n "${named[${file##*/}]:-}" ] && continue
      named[${file##*/}]=1
      inputs+=("$file")
    done < <(find "$folder" -maxdepth 1 -type f -print0 | sort -z)
  done
  unset named
  if [ ${#inputs[@]} -eq 0 ]; then
    echo "build.sh: $target has no seed: add one to fuzz/corpus/$target/" >&2
    exit 1
  fi
  # -j: flat, as OSS-Fuzz unpacks it.
  zip -q -j "$zip" "${inputs[@]}"
  echo "build.sh: $target: ${#inputs[@]} seeds"
done
