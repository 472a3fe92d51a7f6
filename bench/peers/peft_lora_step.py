"""The Python peer of bench_bloom_lora: the same LoRA training step (r 64, alpha 128, dropout 0,
on query_key_value) of a randomly initialised BLOOM-1.1B or BLOOM-7.1B shape, through
transformers + PEFT.

bench_bloom_lora runs it with the reference environment's Python (scripts/reference-env), one
process per row, and reads one line from stdout:
    tokens_per_s seconds_per_step peak_rss_kib trained total first_loss last_loss
With --peak it prints instead "bf16_gflops fp32_gflops torch_version peft_version": the best of
five 2048 x 2048 x 2048 torch.mm in each dtype, the same measurement as ours.

--weights-dtype bf16|fp16 builds the model in that dtype from the start (torch's default dtype
while it is constructed): the same model as `model.to(torch.bfloat16)` without ever holding an
FP32 copy, which a 7.1B model would not fit beside. get_peft_model then upcasts the LoRA matrices
to FP32 (autocast_adapter_dtype=True, PEFT's default), as our adapters are: PEFT 0.21's
lora.Linear runs the base layer in bf16, casts its input to FP32 for lora_A / lora_B, adds the
FP32 update to the bf16 output and rounds the sum back to bf16.
--precision bf16 (FP32 weights only) runs the forward under CPU autocast in bf16, as ours does.
"""
import argparse
import resource
import sys
import time

import torch

SHAPES = {  # name: (layers, width, heads), bigscience/bloom-1b1 and bloom-7b1
    "1b1": (24, 1536, 16),
    "7b1": (30, 4096, 32),
}
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
VOCAB = 250880


def product_gflops(dtype, n=2048):
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def print_peaks():
    import peft

    print(f"{product_gflops(torch.bfloat16)} {product_gflops(torch.float32)} "
          f"{torch.__version__.split('+')[0]} {peft.__version__}")


def make_model(shape, dtype):
    """The PEFT model, its base built directly in `dtype` and randomly initialised."""
    from peft import LoraConfig, get_peft_model
    from transformers import BloomConfig, BloomForCausalLM

    layers, width, heads = SHAPES[shape]
    config = BloomConfig(vocab_size=VOCAB, hidden_size=width, n_layer=layers, n_head=heads,
                         layer_norm_epsilon=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=3)
    torch.set_default_dtype(dtype)
    try:
        model = BloomForCausalLM(config)
    finally:
        torch.set_default_dtype(torch.float32)
    lora = LoraConfig(r=64, lora_alpha=128, lora_dropout=0.0, target_modules=["query_key_value"],
                      task_type="CAUSAL_LM")
    return get_peft_model(model, lora)  # autocast_adapter_dtype=True: LoRA A and B in FP32


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shape", choices=sorted(SHAPES), default="1b1")
    p.add_argument("--weights-dtype", choices=sorted(DTYPES), default="fp32")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--peak", action="store_true")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.peak:
        print_peaks()
        return
    if a.precision == "bf16" and a.weights_dtype != "fp32":
        sys.exit("--precision bf16 (autocast) is for fp32 weights")
    torch.manual_seed(0)
    model = make_model(a.shape, DTYPES[a.weights_dtype])
    model.train()
    trained_params = [t for t in model.parameters() if t.requires_grad]
    trained = sum(t.numel() for t in trained_params)
    total = sum(t.numel() for t in model.parameters())

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, VOCAB, (a.batch, a.seq), generator=g)
    labels = ids.clone()
    labels[:, : a.seq // 2] = -100  # loss on the response half only
    optim = torch.optim.AdamW(trained_params, lr=1e-4, weight_decay=0.0)
    label = f"{a.weights_dtype}/{'off' if a.precision == 'fp32' else a.precision}"
    losses, times = [], []
    for _ in range(1 + a.steps):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained_params, 1.0)
        optim.step()
        optim.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - start)
        losses.append(loss.item())
        print(f"  peer {label}: step {len(times)}/{1 + a.steps} loss {losses[-1]:.3f} "
              f"({times[-1]:.1f} s)", file=sys.stderr)
    per_step = sum(times[1:]) / a.steps
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"{a.batch * a.seq / per_step} {per_step} {rss} {trained} {total} "
          f"{losses[0]} {losses[-1]}")


if __name__ == "__main__":
    main()
