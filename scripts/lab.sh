#!/usr/bin/env bash
# Sets everything up (first run only) and serves the lab at http://localhost:5173.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec npx vite --host 127.0.0.1 "$@"
