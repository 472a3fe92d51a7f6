#!/usr/bin/env python3
"""Reference logits from Hugging Face transformers (+ PEFT), for interop tests against
`switchyard-engine forward`, which reads and writes the same JSON formats.

Run with the reference environment (scripts/reference-env; the product never runs Python):

    .venv-reference/bin/python tests/interop/peft_logits.py --model DIR [--adapter DIR] \
        --input IN.json --output OUT.json

--model    a save_pretrained() folder (config.json + safetensors); loaded with
           AutoModelForCausalLM in float32 (BF16/FP16 checkpoints are upcast), eager attention
--adapter  optional PEFT adapter folder (adapter_config.json + adapter_model.safetensors),
           applied with PeftModel.from_pretrained (not merged)
--input    {"input_ids": [[...], ...], "attention_mask": [[...], ...]}, rows LEFT padded;
           attention_mask may be left out (then all ones). Other fields are ignored, so a
           fixture's expected.json works as input.
--output   {"logits": [batch][position][vocab]} in float32, for every position, padded ones too
           (only positions with attention_mask 1 are meaningful).

Positions: for families whose forward accepts position_ids (GPT-2, OPT, Llama, Qwen2, ...) it
passes position_ids = cumsum(attention_mask) - 1 clamped at 0, which is what generate() uses, so
left padding does not shift positions; BLOOM (ALiBi) takes no position_ids and derives its biases
from the mask.
"""

import argparse
import inspect
import json
import os
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


def load(model_dir, adapter_dir=None):
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32,
                                                 attn_implementation="eager")
    if adapter_dir:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, adapter_dir)
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="save_pretrained() folder of the base model")
    ap.add_argument("--adapter", help="PEFT adapter folder to apply on top of the base")
    ap.add_argument("--input", required=True, help='JSON with "input_ids" and "attention_mask"')
    ap.add_argument("--output", required=True, help='where to write {"logits": [b][t][v]}')
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    with open(args.input, encoding="utf-8") as f:
        data = json.load(f)
    if "input_ids" not in data:
        sys.exit(f"{args.input}: field \"input_ids\" is missing")
    model = load(args.model, args.adapter)
    try:
        logits = logits_for(model, data["input_ids"], data.get("attention_mask"))
    except ValueError as e:
        sys.exit(f"{args.input}: {e}")
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump({"logits": logits.tolist()}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
