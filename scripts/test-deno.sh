#!/usr/bin/env bash
# The GPU tests on a second WebGPU implementation: wgpu (naga's shader compiler, as Firefox ships
# it) through Deno, on Mesa's software Vulkan driver lavapipe (scripts/deno/run.ts). npm test runs
# it after vitest and adds its totals (test-results/deno-wgpu.json) to the closing line.
# Arguments: a part of a test file's path runs only that file.
set -uo pipefail
cd "$(dirname "$0")/.."
lvp=$(ls /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n1)
if [ -z "$lvp" ]; then
  echo "lavapipe is missing (Debian package mesa-vulkan-drivers; scripts/ensure-deps.sh installs it)" >&2
  exit 1
fi
export VK_ICD_FILENAMES="$lvp"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/nitp-lab-xdg}"
mkdir -p "$XDG_RUNTIME_DIR"
map=$(node scripts/deno/importMap.mjs) || exit 1
exec node node_modules/deno/bin.cjs run --unstable-webgpu --allow-read --allow-env --allow-write --import-map "$map" scripts/deno/run.ts "$@"
