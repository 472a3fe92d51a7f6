#!/usr/bin/env bash
# Renders the user guide's screenshots into docs/images/ under Xvfb: the main window showing each
# run of a database, all of them compared side by side, the experiment designer on the demo, and
# a run in progress (the quick demo, captured halfway through its first run's fourth stage).
# The views a user meets — the first start, a run, compare, the designer, a live run — are
# rendered at 1280x720, 1600x1000 and 1920x1080, each in the light and the dark palette (--dark),
# as VIEW-WxH-light.png and VIEW-WxH-dark.png; every run of the database also as run-LABEL.png.
# Usage: docs/screenshots.sh [DB]   (SIZES="1280x720" PALETTES=light render fewer)
# Without DB it first runs the demo experiment with --quick into a scratch database (quick runs
# learn little, so their plots are mostly flat). The images in docs/images/ come from a full run
# of the demo (`switchyard-engine run resources/experiments/demo.json --db DB`, 2.5 minutes on two
# cores; docs/experiments.md), then about two minutes for this script. The live shot always
# starts its own quick run in a scratch database, and stops it once the picture is taken.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The app keeps window geometry, splitters and its last database in QSettings: a scratch
# configuration makes every picture start from the defaults and leaves the user's alone.
export XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data"
sizes="${SIZES:-1280x720 1600x1000 1920x1080}"
palettes="${PALETTES:-light dark}"
# shot SIZE PALETTE ARGS...: the window at SIZE on a screen of that size, in PALETTE.
shot() {
  local size="$1" palette="$2"
  shift 2
  local look=()
  [ "$palette" = dark ] && look=(--dark)
  xvfb-run -a -s "-screen 0 ${size}x24" build/app/switchyard --size "$size" "${look[@]}" "$@"
}
# every VIEW ARGS...: the view at every size in every palette.
every() {
  local view="$1"
  shift
  for size in $sizes; do
    for palette in $palettes; do
      shot "$size" "$palette" "$@" --screenshot "docs/images/$view-$size-$palette.png"
      echo "wrote docs/images/$view-$size-$palette.png"
    done
  done
}

db="${1:-}"
if [ -z "$db" ]; then
  db="$scratch/screenshots.db"
  build/app/switchyard-engine run resources/experiments/demo.json --quick --db "$db" >/dev/null
fi
mkdir -p docs/images
# The first start: a new database, nothing to show yet.
every start --db "$scratch/first-start.db"
# The pictures show the notes panel in use: a copy of the database (SQLite's backup, so a WAL
# file's pages come along) gets tags and notes on its switchcit and seq-ft runs. The file given
# is only read.
python3 - "$db" "$scratch/shown.db" <<'PY'
import sqlite3, sys, time
source, copy = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(copy)
now = int(time.time() * 1000)
notes = {
    "switchcit": (["baseline", "shared-experts"],
                  ["reuses oracle's experts: no training steps of its own",
                   "router 100 % after every stage: no forgetting at all"]),
    "seq-ft": (["baseline"], ["forgets each task as soon as the next one trains"]),
}
for label, (tags, texts) in notes.items():
    for (run,) in copy.execute("SELECT id FROM runs WHERE label = ?", (label,)).fetchall():
        for tag in tags:
            copy.execute("INSERT OR IGNORE INTO tags(run_id, tag) VALUES (?, ?)", (run, tag))
        for i, text in enumerate(texts):
            copy.execute("INSERT INTO notes(run_id, text, created_at) VALUES (?, ?, ?)",
                         (run, text, now - (len(texts) - i) * 3_600_000))
copy.commit()
PY
db="$scratch/shown.db"
ids=""
for id in $(build/app/switchyard-engine list --db "$db" --json | python3 -c \
    'import json,sys; print(" ".join(str(r["id"]) for r in json.load(sys.stdin)))'); do
  label=$(build/app/switchyard-engine show "$id" --db "$db" --json | python3 -c \
    'import json,sys,re; r=json.load(sys.stdin); print(re.sub(r"[^A-Za-z0-9.-]+","-",r["run"]["label"] if "run" in r else r["label"]))')
  out="docs/images/run-$label.png"
  shot 1600x1000 light --db "$db" --run "$id" --screenshot "$out"
  echo "wrote $out"
  ids="${ids:+$ids,}$id"
  if [ "$label" = switchcit ]; then every run --db "$db" --run "$id"; fi
done
every compare --db "$db" --compare "$ids"
every experiment --db "$db" --tab experiment resources/experiments/demo.json
# A run in progress: the app starts the quick demo itself and saves the window halfway through
# stage 4 of the first run (the loss of stages 1-3 and part of 4, the scores after stages 0-3 —
# count is the first task a quick run learns at all — and the queue's progress), then cancels.
for size in $sizes; do
  for palette in $palettes; do
    rm -f "$scratch"/live.db*
    shot "$size" "$palette" --db "$scratch/live.db" --start --quick --screenshot-stage 4 \
      --screenshot "docs/images/run-live-$size-$palette.png" resources/experiments/demo.json
    echo "wrote docs/images/run-live-$size-$palette.png"
  done
done
# The names docs/gui.md shows: the 1600x1000 light renderings.
for view in compare experiment run-live; do
  if [ -f "docs/images/$view-1600x1000-light.png" ]; then
    cp "docs/images/$view-1600x1000-light.png" "docs/images/$view.png"
  fi
done
