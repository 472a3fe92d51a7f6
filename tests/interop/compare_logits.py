#!/usr/bin/env python3
"""Compares two logits files ({"logits": [batch][position][vocab]}, as `switchyard-engine forward`
and peft_logits.py write them) at the real (attention_mask == 1) positions of the input file.
Prints OK / NOT OK with the largest difference and where it is; exit 1 when over --tol.
Plain Python (json only), so it runs with any interpreter.
"""
import argparse
import json
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ours")
    p.add_argument("theirs")
    p.add_argument("--input", required=True)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--label", default="")
    p.add_argument("--differ", action="store_true",
                   help="expect the logits to differ by more than --tol (an adapter that works)")
    a = p.parse_args()
    ours = json.load(open(a.ours))["logits"]
    theirs = json.load(open(a.theirs))["logits"]
    mask = json.load(open(a.input)).get("attention_mask")
    worst, where = 0.0, None
    for b, (row_o, row_t) in enumerate(zip(ours, theirs)):
        for t, (pos_o, pos_t) in enumerate(zip(row_o, row_t)):
            if mask is not None and mask[b][t] == 0:
                continue
            if len(pos_o) != len(pos_t):
                print(f"NOT OK  {a.label}: vocab sizes differ at [{b}][{t}]")
                return 1
            for v, (x, y) in enumerate(zip(pos_o, pos_t)):
                if abs(x - y) > worst:
                    worst, where = abs(x - y), (b, t, v)
    shapes_match = len(ours) == len(theirs) and all(
        len(x) == len(y) for x, y in zip(ours, theirs))
    if a.differ:
        ok = shapes_match and worst > a.tol
        print(f"{'OK' if ok else 'NOT OK':7} {a.label}: max abs diff {worst:.3g}, "
              f"{'over' if ok else 'not over'} {a.tol:g}")
        return 0 if ok else 1
    ok = shapes_match and worst <= a.tol
    print(f"{'OK' if ok else 'NOT OK':7} {a.label}: max abs diff {worst:.3g}"
          + ("" if ok else f" at [batch {where[0]}][position {where[1]}][id {where[2]}]"
             if where else " (shapes differ)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
