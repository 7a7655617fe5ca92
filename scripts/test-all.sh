#!/usr/bin/env bash
# Runs every test: type check, unit and GPU tests (Node, WebGPU on Dawn), browser tests
# (headless Chromium, WebGPU on SwiftShader), and the GPU tests again on a second WebGPU
# implementation (wgpu through Deno, on lavapipe: scripts/test-deno.sh). Ends with one line of
# totals over all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/nitp-lab-xdg}"
mkdir -p "$XDG_RUNTIME_DIR" test-results

failed=0
typecheck_failed=0
echo "== type check (tsc)"
npx tsc -p . || typecheck_failed=1

echo "== unit, GPU and browser tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json
vitest_status=$?

echo "== GPU tests on wgpu (Deno) with lavapipe"
rm -f test-results/deno-wgpu.json
bash scripts/test-deno.sh

node -e '
  const fs = require("fs");
  let r = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 };
  try { r = JSON.parse(fs.readFileSync("test-results/vitest.json", "utf8")); } catch { r.numFailedTests = 1; }
  const tc = Number(process.argv[1]);
  const vitestBroken = Number(process.argv[2]) !== 0 && r.numFailedTests === 0 ? 1 : 0;
  // the wgpu run: its own totals, or one failure when it wrote none
  let w = { passed: 0, failed: 1 };
  try { w = JSON.parse(fs.readFileSync("test-results/deno-wgpu.json", "utf8")); } catch {}
  console.log(`GPU tests: wgpu/lavapipe (Deno) ${w.passed} passed, ${w.failed} failed`);
  const passed = r.numPassedTests + (tc ? 0 : 1) + w.passed;
  const failedN = r.numFailedTests + tc + vitestBroken + w.failed;
  console.log(`${passed} passed, ${failedN} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  process.exit(failedN > 0 ? 1 : 0);
' "$typecheck_failed" "$vitest_status"
