#!/usr/bin/env bash
# The live interop test: PEFT loads the adapters we train and gives our logits, we load the
# adapters PEFT makes and give PEFT's logits, and transformers loads the models we fully
# fine-tune, for every family's tiny fixture checkpoint; the library reads the built-in base
# model's tokenizer as we do.
# Needs the reference environment (scripts/reference-env); without it the test is skipped (exit
# 77), unless SWITCHYARD_REQUIRE_INTEROP=1 (scripts/test --interop), where that is a failure.
# Usage: run_interop.sh ENGINE_BINARY
set -euo pipefail
engine=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fixtures=$root/tests/fixtures/hf
venv=${SWITCHYARD_REFERENCE_ENV:-$root/.venv-reference}
py=$venv/bin/python
if [ ! -x "$py" ] || ! "$py" -c 'import peft' 2>/dev/null; then
  if [ "${SWITCHYARD_REQUIRE_INTEROP:-}" = 1 ]; then
    echo "interop: no reference environment at $venv; run scripts/reference-env" >&2
    exit 1
  fi
  echo "interop: skipped, no reference environment at $venv (scripts/reference-env makes it)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # label ours.json theirs.json input.json [--differ]
  "$py" "$here/compare_logits.py" "$2" "$3" --input "$4" --label "$1" ${5:-} ||
    failures=$((failures + 1))
}

# The built-in base model's own BPE vocabulary, as the Rust library reads it.
"$py" "$here/compare_tokenizer.py" "$engine" "$root/resources/base-model" ||
  failures=$((failures + 1))

for base in ${SWITCHYARD_INTEROP_MODELS:-gpt2 bloom opt opt-postln llama-gqa qwen2}; do
  model=$fixtures/$base
  input=$tmp/$base.input.json
  "$py" -c 'import json,sys; e=json.load(open(sys.argv[1])); json.dump({"input_ids": e["input_ids"], "attention_mask": e["attention_mask"]}, open(sys.argv[2], "w"))' \
    "$model/expected.json" "$input"

  # PEFT's adapter, here.
  "$py" "$here/make_peft_adapter.py" --model "$model" --output "$tmp/$base-peft" >/dev/null
  "$engine" forward --model "$model" --adapter "$tmp/$base-peft" --input "$input" \
    --output "$tmp/ours.json"
  "$py" "$here/peft_logits.py" --model "$model" --adapter "$tmp/$base-peft" --input "$input" \
    --output "$tmp/theirs.json"
  check "$base: PEFT's adapter loaded here" "$tmp/ours.json" "$tmp/theirs.json" "$input"

  # Our adapter (a few real training steps, our default targets), in PEFT.
  "$engine" train --model "$model" --task add --steps 3 --batch-size 4 --train-examples 16 \
    --lr 0.05 --no-eval --out "$tmp/$base-ours" >/dev/null 2>"$tmp/train.log" ||
    { cat "$tmp/train.log" >&2; exit 1; }
  "$engine" forward --model "$model" --adapter "$tmp/$base-ours" --input "$input" \
    --output "$tmp/ours.json"
  "$py" "$here/peft_logits.py" --model "$model" --adapter "$tmp/$base-ours" --input "$input" \
    --output "$tmp/theirs.json"
  check "$base: our adapter loaded in PEFT" "$tmp/ours.json" "$tmp/theirs.json" "$input"
  # A full fine-tune, saved in the family's own format, in transformers.
  "$engine" train --model "$model" --mode full --task add --steps 2 --batch-size 4 \
    --train-examples 8 --lr 0.01 --no-eval --out "$tmp/$base-full" >/dev/null 2>"$tmp/train.log" ||
    { cat "$tmp/train.log" >&2; exit 1; }
  "$engine" forward --model "$tmp/$base-full" --input "$input" --output "$tmp/full-ours.json"
  "$py" "$here/peft_logits.py" --model "$tmp/$base-full" --input "$input" \
    --output "$tmp/full-theirs.json"
  check "$base: our full fine-tune loaded in transformers" "$tmp/full-ours.json" \
    "$tmp/full-theirs.json" "$input"
  check "$base: the full fine-tune changed the model" "$tmp/full-ours.json" \
    "$model/expected.json" "$input" --differ

  # A trained adapter must change the logits, or the comparisons above prove nothing.
  check "$base: our adapter changes the base's logits" "$tmp/ours.json" "$model/expected.json" \
    "$input" --differ
done
if ((failures)); then
  echo "interop: $failures comparison(s) over tolerance" >&2
  exit 1
fi
echo "interop: all comparisons within 1e-4"
