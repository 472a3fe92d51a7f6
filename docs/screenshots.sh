#!/usr/bin/env bash
# Renders the user guide's screenshots into docs/images/ under Xvfb: the main window showing each
# run of a database, all of them compared side by side, and the experiment designer on the demo. Usage: docs/screenshots.sh [DB]
# Without DB it first runs the demo experiment with --quick into a scratch database (quick runs
# learn little, so their plots are mostly flat); docs/images/ was made from a full run of the
# demo's seq-ft, oracle and switchcit strategies (docs/experiments.md).
set -euo pipefail
cd "$(dirname "$0")/.."
db="${1:-}"
if [ -z "$db" ]; then
  db="$(mktemp -d)/screenshots.db"
  build/app/switchyard-engine run resources/experiments/demo.json --quick --db "$db" >/dev/null
fi
mkdir -p docs/images
for id in $(build/app/switchyard-engine list --db "$db" --json | python3 -c \
    'import json,sys; print(" ".join(str(r["id"]) for r in json.load(sys.stdin)))'); do
  label=$(build/app/switchyard-engine show "$id" --db "$db" --json | python3 -c \
    'import json,sys,re; r=json.load(sys.stdin); print(re.sub(r"[^A-Za-z0-9.-]+","-",r["run"]["label"] if "run" in r else r["label"]))')
  out="docs/images/run-$label.png"
  xvfb-run -a -s "-screen 0 1600x1000x24" \
    build/app/switchyard --db "$db" --run "$id" --screenshot "$out"
  echo "wrote $out"
  ids="${ids:+$ids,}$id"
done
xvfb-run -a -s "-screen 0 1600x1000x24" \
  build/app/switchyard --db "$db" --compare "$ids" --screenshot docs/images/compare.png
echo "wrote docs/images/compare.png"
xvfb-run -a -s "-screen 0 1600x1000x24" build/app/switchyard --db "$db" --tab experiment \
  --screenshot docs/images/experiment.png resources/experiments/demo.json
echo "wrote docs/images/experiment.png"
