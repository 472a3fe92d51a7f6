"""The Python peer of bench_train: the built-in byte-level model's training steps in plain PyTorch.

bench_train writes the exact batches its own `builtin` rows train on (input ids, attention mask,
labels with -100 on the prompt) to a file and runs this script on it with the reference
environment's Python (scripts/reference-env), once per row. The model below is a plain nn.Module
of the same shape, initialisation and arithmetic as engine/model/transformer.cpp with
builtin_model_config(): byte-level vocabulary of 259, 4 pre-norm LayerNorm blocks of width 128,
4 heads, fused qkv with biases, RoPE (rotate_half), exact GELU MLP of 512, tied embeddings. LoRA is
written out as PEFT does it (r 8, alpha 16, dropout 0.05 on the LoRA input only) on qkv, o, up and
down. The step is the one sy::train takes: zero the gradients, forward, summed cross-entropy on
the response tokens divided by their count, backward, clipping at 1.0, AdamW (lr 1e-4, no weight
decay). "bf16" means what it means on our side: FP32 weights, the forward under CPU autocast.

It prints one line on stdout: tokens timed_seconds timed_steps peak_rss_kib trained total
first_loss last_loss torch_version (tokens: real, non-padding tokens of the timed steps).
"""
import argparse
import math
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

VOCAB, LAYERS, WIDTH, HEADS, D_FF, EPS, ROPE_THETA = 259, 4, 128, 4, 512, 1e-5, 10000.0
MASKED = -1e30  # as transformer.cpp: additive and finite, so fully padded rows stay NaN-free
IGNORE = -100


def read_batches(path):
    """The file bench_train writes: "SYBATCH1", int64 count, then per batch int64 B, int64 T and
    B*T int64 each of input ids, attention mask and labels (native byte order)."""
    with open(path, "rb") as f:
        data = bytearray(f.read())  # writable, so torch.frombuffer shares it without a warning
    if data[:8] != b"SYBATCH1":
        raise SystemExit(f"{path}: not a bench_train batch file")
    (count,) = struct.unpack_from("=q", data, 8)
    offset, batches = 16, []
    for _ in range(count):
        b, t = struct.unpack_from("=qq", data, offset)
        offset += 16
        tensors = []
        for _ in range(3):
            tensors.append(torch.frombuffer(data, dtype=torch.int64, count=b * t,
                                            offset=offset).view(b, t))
            offset += 8 * b * t
        batches.append(tuple(tensors))
    return batches


class LoraLinear(nn.Module):
    """A linear layer with an optional LoRA path: y = x W^T + b + ((drop(x) A^T) * s) B^T. The
    scaling multiplies the rank-r intermediate, as lora.cpp does (PEFT scales the output; the
    result is the same, ours is r values per token instead of out_features)."""

    def __init__(self, d_in, d_out, std=0.02, lora_rank=0, lora_alpha=16.0, lora_dropout=0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d_out, d_in).normal_(0.0, std))
        self.bias = nn.Parameter(torch.zeros(d_out))
        self.lora_A = self.lora_B = None
        if lora_rank > 0:
            # PEFT's init (and ours): A Kaiming-uniform, B zero, so the adapter starts as a no-op.
            self.lora_A = nn.Parameter(torch.empty(lora_rank, d_in))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            self.lora_B = nn.Parameter(torch.zeros(d_out, lora_rank))
            self.scaling = lora_alpha / lora_rank
            self.dropout = nn.Dropout(lora_dropout)  # on the LoRA input only, not the base path

    def forward(self, x):
        y = F.linear(x, self.weight, self.bias)
        if self.lora_A is not None:
            y = y + torch.matmul(torch.matmul(self.dropout(x), self.lora_A.t()) * self.scaling,
                                 self.lora_B.t())
        return y


def rotate_half(x):
    x1, x2 = x.chunk(2, -1)
    return torch.cat((-x2, x1), -1)


class Block(nn.Module):
    def __init__(self, lora):
        super().__init__()
        # GPT-2's init, as transformer.cpp: residual projections get 0.02 / sqrt(2 * n_layer).
        residual_std = 0.02 / math.sqrt(2.0 * LAYERS)
        self.attn_norm = nn.LayerNorm(WIDTH, eps=EPS)
        self.qkv_proj = LoraLinear(WIDTH, 3 * WIDTH, **lora)
        self.o_proj = LoraLinear(WIDTH, WIDTH, std=residual_std, **lora)
        self.mlp_norm = nn.LayerNorm(WIDTH, eps=EPS)
        self.up_proj = LoraLinear(WIDTH, D_FF, **lora)
        self.down_proj = LoraLinear(D_FF, WIDTH, std=residual_std, **lora)

    def attention(self, x, cos, sin, additive_mask):
        b, t, _ = x.shape
        d = WIDTH // HEADS
        q, k, v = (z.view(b, t, HEADS, d).transpose(1, 2)
                   for z in self.qkv_proj(x).split(WIDTH, -1))
        q = q * cos.to(q.dtype) + rotate_half(q) * sin.to(q.dtype)
        k = k * cos.to(k.dtype) + rotate_half(k) * sin.to(k.dtype)
        # Written out like transformer.cpp (scale on q, scores and softmax in FP32), not through
        # scaled_dot_product_attention, so both sides do the same arithmetic.
        scores = torch.matmul(q * (1.0 / math.sqrt(d)), k.transpose(-2, -1)).float()
        probs = torch.softmax(scores + additive_mask, -1).to(v.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, WIDTH)
        return self.o_proj(out)

    def forward(self, x, cos, sin, additive_mask):
        h = x + self.attention(self.attn_norm(x), cos, sin, additive_mask)
        return h + self.down_proj(F.gelu(self.up_proj(self.mlp_norm(h))))


class BuiltinLM(nn.Module):
    def __init__(self, lora):
        super().__init__()
        self.tok_emb = nn.Embedding(VOCAB, WIDTH)
        nn.init.normal_(self.tok_emb.weight, 0.0, 0.02)
        self.layers = nn.ModuleList(Block(lora) for _ in range(LAYERS))
        self.norm_f = nn.LayerNorm(WIDTH, eps=EPS)

    def hidden_states(self, input_ids, attention_mask):
        b, t = input_ids.shape
        mask = attention_mask.long()
        # Positions count real tokens only, as make_context does; RoPE angles in FP32.
        positions = (mask.cumsum(1) - 1).clamp_min(0)
        d = WIDTH // HEADS
        inv_freq = 1.0 / torch.pow(ROPE_THETA, torch.arange(0, d, 2).float() / d)
        freqs = positions.float().unsqueeze(-1) * inv_freq
        emb = torch.cat((freqs, freqs), -1).unsqueeze(1)  # [B, 1, T, D]
        cos, sin = emb.cos(), emb.sin()
        index = torch.arange(t)
        allowed = (index.unsqueeze(0) <= index.unsqueeze(1)).unsqueeze(0) & (mask.unsqueeze(1) > 0)
        additive_mask = torch.zeros(allowed.shape).masked_fill(~allowed, MASKED).unsqueeze(1)
        x = self.tok_emb(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin, additive_mask)
        return self.norm_f(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batches", required=True, help="the batch file bench_train wrote")
    p.add_argument("--mode", choices=["lora", "full"], required=True)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--warmup", type=int, default=2, help="leading batches not timed")
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    batches = read_batches(a.batches)
    if len(batches) <= a.warmup:
        raise SystemExit(f"{a.batches}: {len(batches)} batches, not more than --warmup")

    torch.manual_seed(0)
    lora = {}
    if a.mode == "lora":
        lora = {"lora_rank": 8, "lora_alpha": 16.0, "lora_dropout": 0.05}
    model = BuiltinLM(lora)
    for name, t in model.named_parameters():
        t.requires_grad_(a.mode == "full" or "lora_" in name)
    params = [t for t in model.parameters() if t.requires_grad]
    trained = sum(t.numel() for t in params)
    total = sum(t.numel() for t in model.parameters())
    optim = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    model.train()

    losses, times, tokens = [], [], []
    for input_ids, attention_mask, labels in batches:
        start = time.perf_counter()
        optim.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            hidden = model.hidden_states(input_ids, attention_mask)
            # Logits only where a loss is taken, as sy::train does: same loss and gradients,
            # without the vocabulary projection of the prompt.
            flat = labels.view(-1)
            where = (flat != IGNORE).nonzero().squeeze(1)
            selected = hidden.view(-1, WIDTH).index_select(0, where)
            logits = torch.matmul(selected, model.tok_emb.weight.t())
            loss = F.cross_entropy(logits.float(), flat.index_select(0, where), reduction="sum")
        loss = loss / max(1, where.numel())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        losses.append(loss.item())
        times.append(time.perf_counter() - start)
        tokens.append(int(attention_mask.sum()))
        print(f"  peer builtin {a.mode} {a.precision}: step {len(times)}/{len(batches)} "
              f"loss {losses[-1]:.3f}", file=sys.stderr)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux: this process's VmHWM
    print(f"{sum(tokens[a.warmup:])} {sum(times[a.warmup:])} {len(batches) - a.warmup} {rss} "
          f"{trained} {total} {losses[0]} {losses[-1]} {torch.__version__.split('+')[0]}")


if __name__ == "__main__":
    main()
