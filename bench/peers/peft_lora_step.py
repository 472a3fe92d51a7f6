"""The Python peer of bench_bloom_lora: the same LoRA training step (r 64, alpha 128, dropout 0,
on query_key_value) of a randomly initialised BLOOM-1.1B shape, through transformers + PEFT.

bench_bloom_lora runs it with the reference environment's Python (scripts/reference-env) and reads
one line from stdout: tokens_per_s seconds_per_step peak_rss_kib trained total first_loss last_loss.
"bf16" means what it means on our side: FP32 weights, matrix products under CPU autocast in bf16.
"""
import argparse
import resource
import sys
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import BloomConfig, BloomForCausalLM


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    config = BloomConfig(vocab_size=250880, hidden_size=1536, n_layer=24, n_head=16,
                         layer_norm_epsilon=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=3)
    model = BloomForCausalLM(config)
    lora = LoraConfig(r=64, lora_alpha=128, lora_dropout=0.0, target_modules=["query_key_value"],
                      task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    model.train()
    trained = sum(t.numel() for t in model.parameters() if t.requires_grad)
    total = sum(t.numel() for t in model.parameters())

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, 250880, (a.batch, a.seq), generator=g)
    labels = ids.clone()
    labels[:, : a.seq // 2] = -100  # loss on the response half only
    optim = torch.optim.AdamW([t for t in model.parameters() if t.requires_grad], lr=1e-4,
                              weight_decay=0.0)
    losses, times = [], []
    for _ in range(1 + a.steps):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_([t for t in model.parameters() if t.requires_grad], 1.0)
        optim.step()
        optim.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - start)
        losses.append(loss.item())
        print(f"  peer {a.precision}: step {len(times)} loss {losses[-1]:.3f} "
              f"({times[-1]:.1f} s)", file=sys.stderr)
    per_step = sum(times[1:]) / a.steps
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"{a.batch * a.seq / per_step} {per_step} {rss} {trained} {total} "
          f"{losses[0]} {losses[-1]}")


if __name__ == "__main__":
    main()
