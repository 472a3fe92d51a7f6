#!/usr/bin/env bash
# The paper's workload at its own size, end to end: SwitchCIT (a LoRA expert per task, r 64 on
# query_key_value, and the switch) over three built-in tasks, a few steps each, on a randomly
# initialised BLOOM-1.1B-shaped folder stored in bf16 — from the CLI, or with --gui from the app
# (offscreen unless DISPLAY is set; it saves a screenshot of the finished run).
# Usage: bench/paper/run_switchcit_bloom.sh [--gui] [DIR]   (DIR default: $TMPDIR/switchyard-paper)
# Makes DIR/bloom-1b1-bf16 first if it is not there (with .venv-reference, which
# scripts/reference-env makes); /usr/bin/time comes with scripts/setup.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
gui=0
if [ "${1:-}" = --gui ]; then gui=1; shift; fi
dir=${1:-${TMPDIR:-/tmp}/switchyard-paper}
build=${SWITCHYARD_BUILD:-$root/build}
mkdir -p "$dir"
if [ ! -f "$dir/bloom-1b1-bf16/config.json" ]; then
  "$root/scripts/reference-env" >/dev/null  # idempotent: seconds once it exists
  "$root/.venv-reference/bin/python" "$root/bench/paper/make_bloom_folder.py" --shape 1b1 \
    --dtype bf16 --out "$dir/bloom-1b1-bf16"
fi
cp "$root/bench/paper/switchcit-bloom-1b1.json" "$dir/"
experiment=$dir/switchcit-bloom-1b1.json
"$build/app/switchyard-engine" estimate "$experiment"
if ((gui)); then
  [ -n "${DISPLAY:-}" ] || export QT_QPA_PLATFORM=offscreen
  /usr/bin/time -v "$build/app/switchyard" --db "$dir/paper.db" --start \
    --screenshot "$dir/switchcit-bloom-1b1.png" "$experiment" 2>"$dir/time.log"
  echo "screenshot: $dir/switchcit-bloom-1b1.png"
  "$build/app/switchyard-engine" list --db "$dir/paper.db"
else
  /usr/bin/time -v "$build/app/switchyard-engine" run "$experiment" --db "$dir/paper.db" \
    2> >(tee "$dir/time.log" >&2)
fi
grep -E "Maximum resident|Elapsed" "$dir/time.log"
