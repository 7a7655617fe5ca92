#!/usr/bin/env bash
# Calibrates the teaching preset: both runs (λ = 0 and 1), tied and untied embeddings, 3 seeds,
# each a plain `npm run train`; then prints the README's table (scripts/calibration-table.ts).
# The runs measure on the default evaluation set (64 sequences) every 25 steps after the dense
# start; training does not depend on evaluation, so they train exactly as the preset does.
#   bash scripts/calibrate-teaching.sh [OUT_DIR] [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/calibrate-teaching}"
jobs="${2:-2}"
mkdir -p "$out"
list=()
for tie in true false; do for seed in 1 2 3; do for lam in 0 1; do
  list+=("tie-$tie/seed-$seed/lambda-$lam --preset teaching --set model.tieEmbeddings=$tie --set train.seed=$seed --set nitp.lambda=$lam --set eval.sequences=64 --set eval.every=25")
done; done; done
printf '%s\n' "${list[@]}" | xargs -P "$jobs" -I{} bash -c '
  set -- {}; dir="'"$out"'/$1"; shift
  [ -f "$dir/final.safetensors" ] && exit 0
  mkdir -p "$dir"
  npm run -s train -- "$@" --out "$dir" > "$dir/train.log" 2>&1 || echo "failed: $dir (see $dir/train.log)" >&2
'
node --import tsx scripts/calibration-table.ts "$out"
