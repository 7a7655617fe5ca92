#!/usr/bin/env bash
# Installs what the tests and headless runs need on a fresh Debian machine (npm run lab needs only
# the npm packages: scripts/lab.mjs): npm packages (npm ci) and,
# when missing, Debian's chromium (its SwiftShader is the software WebGPU), the Vulkan loader,
# Mesa's Vulkan drivers (lavapipe, for the GPU tests on wgpu) and python3-torch (PyTorch, for the
# tests of the PyTorch export).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need_apt+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || need_apt+=(libvulkan1)
# Mesa's lavapipe, the Vulkan driver of the GPU tests on wgpu (scripts/test-deno.sh)
ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1 || need_apt+=(mesa-vulkan-drivers)
# PyTorch, for train.py's equivalence tests (src/export/pytorch.test.ts); NITP_PYTHON may name another python with torch
"${NITP_PYTHON:-/usr/bin/python3}" -c 'import torch' 2>/dev/null || need_apt+=(python3-torch)
if [ ${#need_apt[@]} -gt 0 ]; then
  mapfile -t need_apt < <(printf '%s\n' "${need_apt[@]}" | sort -u)
  if ! command -v apt-get >/dev/null; then
    echo "The tests need the Debian/Ubuntu packages ${need_apt[*]} (Chromium's SwiftShader at /usr/lib/chromium/), and there is no apt-get here. npm run lab needs none of it." >&2
    exit 1
  elif [ "$(id -u)" = 0 ]; then
    echo "Installing ${need_apt[*]} with apt-get ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Missing Debian packages for the tests: ${need_apt[*]}. Run: sudo apt-get update && sudo apt-get install -y ${need_apt[*]}" >&2
    echo "(npm run lab does not need them.)" >&2
    exit 1
  fi
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
node --import tsx scripts/build-corpus.ts
