#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what is missing, then configures,
# builds and tests each preset in turn: dev (Debug + ASan/UBSan, every test), then tsan
# (ThreadSanitizer, the concurrent parts). Other presets can be named: tools/test.sh release
# Exits non-zero if any step or test fails; ends with one summary line over all presets.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

presets=("$@")
if ((${#presets[@]} == 0)); then presets=(dev tsan); fi

bash tools/setup.sh

# ccache keeps its cache under $HOME; without a usable HOME (some CI shells) it would fail
# every compile, so give it a folder inside the build tree instead.
if [[ -z "${HOME:-}" || ! -w "${HOME:-/nonexistent}" ]]; then
  export CCACHE_DIR="${CCACHE_DIR:-$PWD/build/.ccache}"
fi

# The machine's 2 cores are shared: builds run at low priority (the presets cap them at -j2).
# Tests run at normal priority, since some of them have deadlines.
total_passed=0
total_failed=0
summaries=()
failed_presets=()
for preset in "${presets[@]}"; do
  echo "=== ${preset}: configure"
  nice -n 10 cmake --preset "${preset}"
  echo "=== ${preset}: build"
  if ! nice -n 10 cmake --build --preset "${preset}"; then
    # A tree that does not build would fail the same way in the next preset: stop here.
    echo "test.sh: the ${preset} build failed" >&2
    exit 1
  fi
  echo "=== ${preset}: test"
  log="build/${preset}/ctest.log"
  set +e
  ctest --preset "${preset}" 2>&1 | tee "${log}"
  rc=${PIPESTATUS[0]}
  set -e
  # ctest's own closing line: "97% tests passed, 1 tests failed out of 40".
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "${log}" | tail -n 1 || true)
  if [[ "${line}" =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]}
    passed=$((BASH_REMATCH[2] - failed))
  else
    line="no test summary (ctest exit ${rc})"
    failed=0
    passed=0
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  summaries+=("${preset}: ${line}")
  if ((rc != 0)); then failed_presets+=("${preset}"); fi
done

echo
echo "=== summary"
printf '  %s\n' "${summaries[@]}"
if ((${#failed_presets[@]} > 0)); then
  echo "  failing presets: ${failed_presets[*]} (logs: build/<preset>/ctest.log)"
fi
echo "total: ${total_passed} passed, ${total_failed} failed"
((${#failed_presets[@]} == 0))
