#!/usr/bin/env python3
"""Compares two logits files ({"logits": [batch][position][vocab]}, as `switchyard-engine forward`
and peft_logits.py write them) at the real (attention_mask == 1) positions of the input file.
Prints OK / NOT OK with the largest difference and where it is; exit 1 when over the bound.
Plain Python (json only), so it runs with any interpreter.

The bound on max |ours - theirs| over the real positions:
  --tol T    absolute: the difference may reach T (default 1e-4, FP32 parity);
  --rtol R   relative to scale: the difference may reach R * max |theirs| over the real positions.
             With half-precision weights each logit carries a rounding error that grows with the
             logits' magnitude, not with its own value, so an elementwise relative error means
             nothing for logits near zero; the largest logit sets the scale instead. With --rtol
             and no --tol, the absolute part is 0; with both, the bound is their sum.
--differ turns the check around: the logits must differ by more than the bound (an adapter that
works, a dtype that took effect).
"""
import argparse
import json
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ours")
    p.add_argument("theirs")
    p.add_argument("--input", required=True)
    p.add_argument("--tol", type=float, default=None,
                   help="absolute bound (default 1e-4, or 0 when --rtol is given)")
    p.add_argument("--rtol", type=float, default=0.0,
                   help="bound relative to max |theirs| over the real positions")
    p.add_argument("--label", default="")
    p.add_argument("--differ", action="store_true",
                   help="expect the logits to differ by more than the bound")
    a = p.parse_args()
    tol = a.tol if a.tol is not None else (0.0 if a.rtol else 1e-4)
    ours = json.load(open(a.ours))["logits"]
    theirs = json.load(open(a.theirs))["logits"]
    mask = json.load(open(a.input)).get("attention_mask")
    worst, where, scale = 0.0, None, 0.0
    for b, (row_o, row_t) in enumerate(zip(ours, theirs)):
        for t, (pos_o, pos_t) in enumerate(zip(row_o, row_t)):
            if mask is not None and mask[b][t] == 0:
                continue
            if len(pos_o) != len(pos_t):
                print(f"NOT OK  {a.label}: vocab sizes differ at [{b}][{t}]")
                return 1
            for v, (x, y) in enumerate(zip(pos_o, pos_t)):
                scale = max(scale, abs(y))
                if abs(x - y) > worst:
                    worst, where = abs(x - y), (b, t, v)
    shapes_match = len(ours) == len(theirs) and all(
        len(x) == len(y) for x, y in zip(ours, theirs))
    bound = tol + a.rtol * scale
    # "max abs diff 0.031 = 0.0052 x max |theirs| 5.94": the relative figure only with --rtol.
    found = f"max abs diff {worst:.3g}" + (
        f" = {worst / scale:.2g} x max |theirs| {scale:.3g}" if a.rtol and scale else "")
    limit = (f"{a.rtol:g} x {scale:.3g}" + (f" + {tol:g}" if tol else "") + f" = {bound:.3g}"
             if a.rtol else f"{tol:g}")
    if a.differ:
        ok = shapes_match and worst > bound
        print(f"{'OK' if ok else 'NOT OK':7} {a.label}: {found}, "
              f"{'over' if ok else 'not over'} {limit}")
        return 0 if ok else 1
    ok = shapes_match and worst <= bound
    if ok:
        tail = f", within {limit}" if a.rtol else ""
    elif not shapes_match:
        tail = " (shapes differ)"
    else:
        tail = f" > {limit} at [batch {where[0]}][position {where[1]}][id {where[2]}]"
    print(f"{'OK' if ok else 'NOT OK':7} {a.label}: {found}{tail}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
