#!/usr/bin/env python3
"""Reference logits from Hugging Face transformers (+ PEFT), for interop tests against
`switchyard-engine forward`, which reads and writes the same JSON formats.

Run with the reference environment (scripts/reference-env; the product never runs Python):

    .venv-reference/bin/python tests/interop/peft_logits.py --model DIR [--adapter DIR] \
        [--dtype fp32|bf16|fp16] --input IN.json --output OUT.json

--model    a save_pretrained() folder (config.json + safetensors); loaded with
           AutoModelForCausalLM, eager attention, in --dtype
--dtype    the weights' dtype, as `switchyard-engine --weights-dtype` names it (default fp32:
           BF16/FP16 checkpoints are upcast). bf16/fp16 load with from_pretrained(dtype=...), as a
           user runs a half-precision model: weights and activations in that dtype, while buffers
           made in float32 stay so (Llama's and Qwen2's RoPE inv_freq; `model.to(dtype)` would
           round those too). transformers computes softmax in float32 where its eager attention
           asks for it, and RMSNorm's statistics in float32; the logits come out in that dtype and
           are written as float32.
--adapter  optional PEFT adapter folder (adapter_config.json + adapter_model.safetensors),
           applied with PeftModel.from_pretrained (not merged). PEFT's default
           autocast_adapter_dtype=True keeps the LoRA A/B weights in float32 on a bf16/fp16 base:
           each adapted layer computes its base output in the weights' dtype, adds
           scaling * B(A(x)) computed in float32 from x upcast, and rounds the sum back.
--input    {"input_ids": [[...], ...], "attention_mask": [[...], ...]}, rows LEFT padded;
           attention_mask may be left out (then all ones). Other fields are ignored, so a
           fixture's expected.json works as input.
--output   {"logits": [batch][position][vocab]} in float32, for every position, padded ones too
           (only positions with attention_mask 1 are meaningful).

Exit status 77 (and the reason on stderr) when transformers cannot run the model in --dtype on
this machine (a half-precision kernel torch's CPU build lacks), so that callers can skip that one
comparison explicitly.

    peft_logits.py --jobs JOBS.txt

runs many in one process (importing torch and transformers takes seconds; a tiny model's forward,
milliseconds): each non-empty line of JOBS.txt holds the options of one run as above, quoted as
a POSIX shell would. A run transformers cannot do in its dtype writes OUTPUT.skip, holding the
reason, instead of OUTPUT, and the others go on.

Positions: for families whose forward accepts position_ids (GPT-2, OPT, Llama, Qwen2, ...) it
passes position_ids = cumsum(attention_mask) - 1 clamped at 0, which is what generate() uses, so
left padding does not shift positions; BLOOM (ALiBi) takes no position_ids and derives its biases
from the mask.
"""

import argparse
import inspect
import json
import os
import shlex
import sys
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore", category=FutureWarning)

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()


def position_ids_from_mask(mask):
    """cumsum(mask) - 1, clamped at 0 (left-padded rows start at position 0)."""
    return (mask.long().cumsum(-1) - 1).clamp(min=0)


def accepts_position_ids(model):
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "position_ids" in inspect.signature(base.forward).parameters


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def load(model_dir, adapter_dir=None, dtype="fp32"):
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=DTYPES[dtype],
                                                 attn_implementation="eager")
    if adapter_dir:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, adapter_dir, autocast_adapter_dtype=True)
        lora = {p.dtype for n, p in model.named_parameters() if ".lora_" in n}
        if lora != {torch.float32}:
            raise RuntimeError(f"{adapter_dir}: PEFT holds the LoRA weights in {lora}, not "
                               "float32")
    return model.eval()


@torch.no_grad()
def logits_for(model, input_ids, attention_mask=None):
    ids = torch.tensor(input_ids, dtype=torch.long)
    if ids.ndim != 2:
        raise ValueError("input_ids must be a list of rows of one length")
    mask = (torch.ones_like(ids) if attention_mask is None
            else torch.tensor(attention_mask, dtype=torch.long))
    if mask.shape != ids.shape:
        raise ValueError(f"attention_mask has shape {list(mask.shape)}, input_ids "
                         f"{list(ids.shape)}")
    kwargs = {"input_ids": ids, "attention_mask": mask}
    if accepts_position_ids(model):
        kwargs["position_ids"] = position_ids_from_mask(mask)
    return model(**kwargs).logits.float()


class CannotRun(Exception):
    """transformers cannot run the model in the asked dtype on this machine."""


def run(args):
    """Writes the logits of one run (parsed options) to args.output."""
    with open(args.input, encoding="utf-8") as f:
        data = json.load(f)
    if "input_ids" not in data:
        sys.exit(f"{args.input}: field \"input_ids\" is missing")
    model = load(args.model, args.adapter, args.dtype)
    try:
        logits = logits_for(model, data["input_ids"], data.get("attention_mask"))
    except ValueError as e:
        sys.exit(f"{args.input}: {e}")
    except (RuntimeError, NotImplementedError) as e:
        # A half-precision kernel the CPU build of torch lacks ("... not implemented for 'Half'").
        if args.dtype == "fp32" or "not implemented for" not in str(e):
            raise
        raise CannotRun(f"transformers cannot run {args.model} in {args.dtype} here: "
                        f"{str(e).splitlines()[0]}") from e
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump({"logits": logits.tolist()}, f, separators=(",", ":"))
        f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="save_pretrained() folder of the base model")
    ap.add_argument("--adapter", help="PEFT adapter folder to apply on top of the base")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="fp32",
                    help="dtype of the weights and the computation (default fp32)")
    ap.add_argument("--input", help='JSON with "input_ids" and "attention_mask"')
    ap.add_argument("--output", help='where to write {"logits": [b][t][v]}')
    ap.add_argument("--jobs", help="file of runs, one a line, each the options above")

    def parse(options):
        args = ap.parse_args(options)
        if args.jobs is None and not (args.model and args.input and args.output):
            ap.error("give --model, --input and --output (or --jobs)")
        if args.jobs is not None and (args.model or args.input or args.output):
            ap.error("--jobs takes the other options from its file")
        return args

    args = parse(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if args.jobs is None:
        try:
            run(args)
        except CannotRun as e:
            print(f"peft_logits: {e}", file=sys.stderr)
            sys.exit(77)
        return
    with open(args.jobs, encoding="utf-8") as f:
        jobs = [parse(shlex.split(line)) for line in f if line.strip()]
    for job in jobs:
        if job.jobs is not None:
            ap.error(f"{args.jobs}: a job cannot name --jobs")
        try:
            run(job)
        except CannotRun as e:
            with open(job.output + ".skip", "w", encoding="utf-8") as f:
                f.write(f"{e}\n")


if __name__ == "__main__":
    main()
