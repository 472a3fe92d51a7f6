#!/usr/bin/env bash
# The live interop test: PEFT loads the adapters we train and gives our logits, we load the
# adapters PEFT makes and give PEFT's logits, and transformers loads the models we fully
# fine-tune, for every family's tiny fixture checkpoint; the library reads the built-in base
# model's tokenizer as we do. Then the same with the base weights held in bf16 and fp16
# (--weights-dtype): our logits against transformers run in that dtype, with and without PEFT's
# adapter, and an adapter we train on bf16 weights, in PEFT.
# Needs the reference environment (scripts/reference-env); without it the test is skipped (exit
# 77), unless SWITCHYARD_REQUIRE_INTEROP=1 (scripts/test --interop), where that is a failure.
# Usage: run_interop.sh ENGINE_BINARY     (SWITCHYARD_INTEROP_MODELS="gpt2 qwen2" picks families)
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

# Tolerances. FP32: absolute, on every logit. bf16 / fp16: relative to scale,
#   max |ours - theirs| <= rtol * max |theirs|   over the real positions (compare_logits.py --rtol),
# since each logit's rounding error grows with the logits' magnitude, not with its own value.
# rtol is 10 units of the dtype's rounding (bf16 2^-8, fp16 2^-11). Two correct implementations
# in one half dtype differ by rounding alone, where they round: on these fixtures transformers'
# own eager and sdpa attention differ by up to 2.2e-2 of the scale in bf16 and 2.8e-3 in fp16,
# transformers in bf16 from transformers in FP32 by up to 3.6e-2; we measured at most 2.9e-2
# (bf16, both our compute paths) and 2.7e-3 (fp16) against transformers.
tol_fp32=1e-4
declare -A rtol=([bf16]=4e-2 [fp16]=5e-3)
half_dtypes="bf16 fp16"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
skipped=0
input=  # the family's input batch, set per family

# The comparison functions below read in order: our logits (`ours`, run at once), the
# reference's (`theirs`) and the comparison (`check`). Importing torch and transformers takes
# seconds and a tiny model's forward milliseconds, so `theirs` and `check` only queue their work,
# and run_queued does it after each family: every reference run in one Python process
# (peft_logits.py --jobs), then the comparisons in the order they were queued.

# ours OUT.json MODEL [forward options]: our logits for the family's input.
ours() {
  local out=$1 model=$2
  shift 2
  "$engine" forward --model "$model" --input "$input" --output "$out" "$@"
}

# theirs OUT.json MODEL [peft_logits.py options]: transformers' (+ PEFT's) logits for the
# family's input. Where transformers cannot run the model in that dtype on this machine,
# OUT.json.skip holds the reason instead.
theirs() {
  local out=$1 model=$2
  shift 2
  printf '%q ' --model "$model" --input "$input" --output "$out" "$@" >>"$tmp/jobs"
  echo >>"$tmp/jobs"
}

queue() {  # COMMAND [ARGS]: run by run_queued
  printf '%q ' "$@" >>"$tmp/checks"
  echo >>"$tmp/checks"
}

# check LABEL OURS.json THEIRS.json [compare_logits.py options: --tol, --rtol, --differ]
check() {
  queue compare "$input" "$@"
}

skip() {  # LABEL REASON...: a comparison that cannot be made, said so
  local label=$1
  shift
  echo "SKIP    $label: $*"
  skipped=$((skipped + 1))
}

compare() {  # INPUT LABEL OURS.json THEIRS.json [options]: a queued check, done
  local in=$1 label=$2 a=$3 b=$4
  shift 4
  if [ ! -e "$b" ] && [ -e "$b.skip" ]; then
    skip "$label" "$(cat "$b.skip")"
    return
  fi
  "$py" "$here/compare_logits.py" "$a" "$b" --input "$in" --label "$label" "$@" ||
    failures=$((failures + 1))
}

check_saved_f32() {  # LABEL FILE.safetensors: every tensor in it is F32
  local label=$1 saved
  saved=$("$py" -c 'import json, struct, sys
f = open(sys.argv[1], "rb")
header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
print(" ".join(sorted({v["dtype"] for k, v in header.items() if k != "__metadata__"})))' "$2")
  if [ "$saved" = F32 ]; then
    echo "OK      $label"
  else
    echo "NOT OK  $label: the tensors are $saved"
    failures=$((failures + 1))
  fi
}

run_queued() {
  if [ -s "$tmp/jobs" ]; then "$py" "$here/peft_logits.py" --jobs "$tmp/jobs"; fi
  if [ -s "$tmp/checks" ]; then
    while IFS= read -r queued; do eval "$queued"; done <"$tmp/checks"
  fi
  rm -f "$tmp/jobs" "$tmp/checks"
}

# train_lora OUT_DIR MODEL [train options]: our adapter, a few real training steps, our default
# targets.
train_lora() {
  local out=$1 model=$2
  shift 2
  "$engine" train --model "$model" --task add --steps 3 --batch-size 4 --train-examples 16 \
    --lr 0.05 --no-eval --out "$out" "$@" >/dev/null 2>"$tmp/train.log" ||
    { cat "$tmp/train.log" >&2; exit 1; }
}

# FP32: both ways of adapter interop, a full fine-tune, and the base itself against the
# fixture's expected.json (transformers in float32; llama-bf16's weights upcast).
compare_fp32() {
  local base=$1 model=$fixtures/$1 t=$tmp/$1
  ours "$t.fp32.json" "$model" --weights-dtype fp32
  check "$base fp32: base model" "$t.fp32.json" "$model/expected.json" --tol "$tol_fp32"

  # PEFT's adapter, here.
  ours "$t-peft.fp32.ours.json" "$model" --weights-dtype fp32 --adapter "$t-peft"
  theirs "$t-peft.fp32.theirs.json" "$model" --adapter "$t-peft"
  check "$base fp32: PEFT's adapter loaded here" "$t-peft.fp32.ours.json" \
    "$t-peft.fp32.theirs.json" --tol "$tol_fp32"

  # Our adapter, in PEFT; a trained adapter must change the logits, or this proves nothing.
  train_lora "$t-ours" "$model" --weights-dtype fp32
  ours "$t-ours.fp32.ours.json" "$model" --weights-dtype fp32 --adapter "$t-ours"
  theirs "$t-ours.fp32.theirs.json" "$model" --adapter "$t-ours"
  check "$base fp32: our adapter loaded in PEFT" "$t-ours.fp32.ours.json" \
    "$t-ours.fp32.theirs.json" --tol "$tol_fp32"
  check "$base fp32: our adapter changes the base's logits" "$t-ours.fp32.ours.json" \
    "$t.fp32.json" --tol "$tol_fp32" --differ

  # A full fine-tune, saved in the family's own format, in transformers.
  "$engine" train --model "$model" --weights-dtype fp32 --mode full --task add --steps 2 \
    --batch-size 4 --train-examples 8 --lr 0.01 --no-eval --out "$t-full" \
    >/dev/null 2>"$tmp/train.log" || { cat "$tmp/train.log" >&2; exit 1; }
  ours "$t-full.ours.json" "$t-full" --weights-dtype fp32
  theirs "$t-full.theirs.json" "$t-full"
  check "$base fp32: our full fine-tune loaded in transformers" "$t-full.ours.json" \
    "$t-full.theirs.json" --tol "$tol_fp32"
  check "$base fp32: the full fine-tune changed the model" "$t-full.ours.json" \
    "$model/expected.json" --tol "$tol_fp32" --differ
}

stored_dtype() {  # MODEL: the dtype its config.json names, in --weights-dtype's words
  "$py" -c 'import json, sys
print({"bfloat16": "bf16", "float16": "fp16"}.get(json.load(open(sys.argv[1])).get("dtype"),
                                                  "fp32"))' "$1/config.json"
}

# --weights-dtype auto (the default) holds the weights in the folder's stored dtype: the logits
# are those of that dtype named explicitly, bit for bit (llama-bf16: bf16; the others: fp32).
compare_auto() {
  local base=$1 model=$fixtures/$1 t=$tmp/$1 stored
  stored=$(stored_dtype "$model")
  ours "$t.auto.json" "$model" --weights-dtype auto
  check "$base auto: the stored dtype, $stored" "$t.auto.json" "$t.$stored.json" --tol 0
}

# Base weights held in DTYPE: our logits against transformers loaded in DTYPE, the base alone
# and with PEFT's adapter (kept FP32 by PEFT, as by us); and the dtype must change the logits.
compare_weights_dtype() {
  local base=$1 dtype=$2 model=$fixtures/$1 t=$tmp/$1
  ours "$t.$dtype.json" "$model" --weights-dtype "$dtype"
  theirs "$t.$dtype.theirs.json" "$model" --dtype "$dtype"
  check "$base $dtype: base model" "$t.$dtype.json" "$t.$dtype.theirs.json" \
    --rtol "${rtol[$dtype]}"
  if [ "$dtype" = fp16 ] && [ "$(stored_dtype "$model")" = bf16 ]; then
    queue skip "$base fp16: differs from FP32" "bf16 weights are exact in fp16, and a CPU" \
      "multiplies fp16 weights in FP32, so the logits are FP32's"
  else
    check "$base $dtype: differs from FP32" "$t.$dtype.json" "$model/expected.json" \
      --tol "$tol_fp32" --differ
  fi

  ours "$t-peft.$dtype.ours.json" "$model" --weights-dtype "$dtype" --adapter "$t-peft"
  theirs "$t-peft.$dtype.theirs.json" "$model" --dtype "$dtype" --adapter "$t-peft"
  check "$base $dtype: PEFT's adapter loaded here" "$t-peft.$dtype.ours.json" \
    "$t-peft.$dtype.theirs.json" --rtol "${rtol[$dtype]}"
}

# Where the CPU multiplies bf16 natively (AVX512-BF16, AMX) our activations are bf16; elsewhere
# FP32, each bf16 weight widened for its product. SWITCHYARD_NATIVE_HALF=0 forces the second
# path, so that a machine with the first checks both (on one without, this repeats the above).
compare_bf16_widened() {
  local base=$1 model=$fixtures/$1 t=$tmp/$1
  SWITCHYARD_NATIVE_HALF=0 ours "$t.bf16-widened.json" "$model" --weights-dtype bf16
  check "$base bf16, FP32 products: base model" "$t.bf16-widened.json" "$t.bf16.theirs.json" \
    --rtol "${rtol[bf16]}"
  SWITCHYARD_NATIVE_HALF=0 ours "$t-peft.bf16-widened.json" "$model" --weights-dtype bf16 \
    --adapter "$t-peft"
  check "$base bf16, FP32 products: PEFT's adapter loaded here" "$t-peft.bf16-widened.json" \
    "$t-peft.bf16.theirs.json" --rtol "${rtol[bf16]}"
}

# An adapter trained here on bf16 weights: saved FP32 in PEFT's format, loaded by PEFT on the
# bf16 model it gives our logits, and the training changed them.
compare_bf16_trained_adapter() {
  local base=$1 model=$fixtures/$1 t=$tmp/$1-ours-bf16
  train_lora "$t" "$model" --weights-dtype bf16
  queue check_saved_f32 "$base bf16: our adapter is saved in F32" "$t/adapter_model.safetensors"
  ours "$t.ours.json" "$model" --weights-dtype bf16 --adapter "$t"
  theirs "$t.theirs.json" "$model" --dtype bf16 --adapter "$t"
  check "$base bf16: our adapter trained on bf16 weights, in PEFT" "$t.ours.json" \
    "$t.theirs.json" --rtol "${rtol[bf16]}"
  check "$base bf16: our adapter changes the base's logits" "$t.ours.json" \
    "$tmp/$base.bf16.json" --rtol "${rtol[bf16]}" --differ
}

# The built-in base model's own BPE vocabulary, as the Rust library reads it.
"$py" "$here/compare_tokenizer.py" "$engine" "$root/resources/base-model" ||
  failures=$((failures + 1))

for base in ${SWITCHYARD_INTEROP_MODELS:-gpt2 bloom opt opt-postln llama-gqa qwen2 llama-bf16}; do
  input=$tmp/$base.input.json
  "$py" -c 'import json,sys; e=json.load(open(sys.argv[1])); json.dump({"input_ids": e["input_ids"], "attention_mask": e["attention_mask"]}, open(sys.argv[2], "w"))' \
    "$fixtures/$base/expected.json" "$input"
  "$py" "$here/make_peft_adapter.py" --model "$fixtures/$base" --output "$tmp/$base-peft" \
    >/dev/null

  compare_fp32 "$base"
  for dtype in $half_dtypes; do
    compare_weights_dtype "$base" "$dtype"
  done
  compare_bf16_widened "$base"
  compare_auto "$base"
  compare_bf16_trained_adapter "$base"
  run_queued
done

tolerances="1e-4 absolute in fp32; $(for d in $half_dtypes; do
  printf '%s x max |logit| in %s; ' "${rtol[$d]}" "$d"; done)"
tolerances=${tolerances%; }
if ((failures)); then
  echo "interop: $failures comparison(s) over tolerance ($tolerances)" >&2
  exit 1
fi
echo "interop: all comparisons within tolerance, $skipped skipped ($tolerances)"
