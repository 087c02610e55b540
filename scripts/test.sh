#!/usr/bin/env bash
# The whole test suite: build, lint and format checks, then the unit, policy and consumer tests, the PR
# pipeline on the production stacks (real previews, scripts/pr-pipeline.sh), the Python and YAML consumer
# programs on the real engine against the lab, the lab tests and the main job.
# Each stage prints node's own test summary; the last line adds them up as "N passed, N failed".
# Set IPV6_MAIL_SKIP_LAB=1 to leave out the stages that need the lab VM or the engine (they then say so).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

passed=0
failed=0
stage_failures=()
log() { printf '\n=== %s\n' "$*"; }

run_check() { # name command...
  local name=$1
  shift
  log "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); stage_failures+=("$name"); fi
}

run_node_tests() { # name concurrency glob...
  local name=$1 concurrency=$2 out
  shift 2
  log "$name"
  out=$(mktemp)
  node --test --test-concurrency="$concurrency" --test-reporter=spec "$@" 2>&1 | tee "$out"
  local status=${PIPESTATUS[0]}
  local p f
  p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out" | tail -1)
  f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out" | tail -1)
  rm -f "$out"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$status" -ne 0 ] || [ -z "$p" ]; then
    stage_failures+=("$name")
    [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
  fi
}

run_check "build (tsc, strict)" npm run --silent build
run_check "lint (eslint, zero warnings)" npx eslint --max-warnings 0 .
run_check "format (prettier)" npx prettier --check --log-level warn .
run_node_tests "unit tests" 2 dist/tests/unit
run_node_tests "policy tests" 2 dist/tests/policies
run_node_tests "consumer test (npm pack)" 1 dist/tests/consumer
if [ "${IPV6_MAIL_SKIP_LAB:-0}" = 1 ]; then
  log "lab and engine tests: skipped (IPV6_MAIL_SKIP_LAB=1)"
else
  run_node_tests "PR pipeline: real previews of do-prod and hetzner-prod, offline, pack, SARIF validated" 1 \
    dist/tests/engine/pr-pipeline.test.js
  run_node_tests "Python and YAML consumers: pulumi package add, real pulumi up against the lab, pack, destroy" 1 \
    dist/tests/engine/other-languages.test.js
  LAB_INSTANCE=other-languages bash lab/lab.sh stop >/dev/null 2>&1 || true
  run_node_tests "lab tests (real kernel; faults, bare image install and destroy through the real engine)" 1 dist/tests/lab
  run_check "main job: real pulumi up of the lab stack, FCrDNS, delivery, policy pipeline" \
    env LAB_INSTANCE=ci-demo bash scripts/demo.sh --destroy
  LAB_INSTANCE=ci-demo bash lab/lab.sh stop >/dev/null 2>&1 || true
fi

echo
if [ "${#stage_failures[@]}" -gt 0 ]; then echo "failed stages: ${stage_failures[*]}"; fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
