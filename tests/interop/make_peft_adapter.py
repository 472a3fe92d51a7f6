#!/usr/bin/env python3
"""Writes a random PEFT LoRA adapter for a given base model, for live "we load PEFT's adapters"
interop tests: the adapter is made by PEFT itself (get_peft_model + save_pretrained), with
init_lora_weights=False so that lora_B is not zero and the adapter changes the logits.

Run with the reference environment (scripts/reference-env; the product never runs Python):

    .venv-reference/bin/python tests/interop/make_peft_adapter.py --model DIR --output DIR \
        [--targets q_proj v_proj ...] [--r 4] [--alpha 8] [--seed 0]

--targets defaults by family: Llama/Qwen2/Mistral q_proj v_proj, OPT q_proj v_proj, GPT-2 c_attn
(Conv1D, so fan_in_fan_out=True is set automatically), BLOOM query_key_value. The output folder
holds adapter_config.json and adapter_model.safetensors (plus PEFT's model card README.md);
base_model_name_or_path records --model as given.
"""

import argparse
import json
import os
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore", category=FutureWarning)

import torch  # noqa: E402
import transformers  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()

DEFAULT_TARGETS = {
    "gpt2": ["c_attn"],
    "bloom": ["query_key_value"],
    "opt": ["q_proj", "v_proj"],
    "llama": ["q_proj", "v_proj"],
    "qwen2": ["q_proj", "v_proj"],
    "mistral": ["q_proj", "v_proj"],
}
CONV1D_FAMILIES = {"gpt2"}     # weights stored [in, out]: PEFT needs fan_in_fan_out=True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="save_pretrained() folder of the base model")
    ap.add_argument("--output", required=True, help="folder to write the adapter into")
    ap.add_argument("--targets", nargs="+", help="module names to adapt (default: by family)")
    ap.add_argument("--r", type=int, default=4)
    ap.add_argument("--alpha", type=float, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    family = AutoConfig.from_pretrained(args.model).model_type
    targets = args.targets or DEFAULT_TARGETS.get(family)
    if not targets:
        ap.error(f"no default --targets for model_type {family!r}; give --targets")
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    torch.manual_seed(args.seed)
    config = LoraConfig(r=args.r, lora_alpha=args.alpha, target_modules=targets,
                        lora_dropout=0.0, bias="none", init_lora_weights=False,
                        fan_in_fan_out=family in CONV1D_FAMILIES, task_type="CAUSAL_LM")
    get_peft_model(model, config).save_pretrained(args.output)
    # target_modules is a set inside PEFT: sort it so the file does not depend on the hash seed.
    path = Path(args.output) / "adapter_config.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["target_modules"] = sorted(saved["target_modules"])
    path.write_text(json.dumps(saved, indent=2, sort_keys=True), encoding="utf-8")
    print(f"make_peft_adapter: {args.output}: LoRA r={args.r} alpha={args.alpha} on {targets} "
          f"({family})")


if __name__ == "__main__":
    main()
