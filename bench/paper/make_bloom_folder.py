"""Writes a randomly initialised BLOOM-1.1B- or 7.1B-shaped Hugging Face folder, stored in bf16
(as bigscience publishes BLOOM), for trying the paper's workload without downloading it:
config.json, the weights as safetensors shards of at most 5 GB with their index (as the published
BLOOM checkpoints are sharded; 1.1B fits one file), and the tokenizer of
the tiny BLOOM fixture (its ids all fit the 250880-entry vocabulary).

Run with the reference environment (scripts/reference-env):
    .venv-reference/bin/python bench/paper/make_bloom_folder.py --shape 1b1 --out DIR
The model is built in bf16 from the start, so a 7.1B folder never needs FP32's 28 GB.
"""
import argparse
import os
import shutil

import torch

SHAPES = {"1b1": (24, 1536, 16), "7b1": (30, 4096, 32)}  # layers, width, heads
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shape", choices=sorted(SHAPES), default="1b1")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="bf16")
    p.add_argument("--out", required=True)
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--tokenizer-from",
                   default=os.path.join(here, "..", "..", "tests", "fixtures", "hf", "bloom"))
    a = p.parse_args()

    from transformers import BloomConfig, BloomForCausalLM

    layers, width, heads = SHAPES[a.shape]
    config = BloomConfig(vocab_size=250880, hidden_size=width, n_layer=layers, n_head=heads,
                         layer_norm_epsilon=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=3)
    torch.manual_seed(0)
    torch.set_default_dtype(DTYPES[a.dtype])
    model = BloomForCausalLM(config).eval()
    torch.set_default_dtype(torch.float32)
    model.save_pretrained(a.out, safe_serialization=True, max_shard_size="5GB")
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        source = os.path.join(a.tokenizer_from, name)
        if os.path.exists(source):
            shutil.copy(source, os.path.join(a.out, name))
    print(f"wrote {a.out}: BLOOM-{a.shape} shape, {sum(t.numel() for t in model.parameters())} "
          f"parameters in {a.dtype}")


if __name__ == "__main__":
    main()
