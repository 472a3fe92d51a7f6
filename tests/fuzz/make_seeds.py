#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets (tests/fuzz/corpus/<target>/seed-*), small files
made from tests/fixtures, resources/ and docs/events.md. Inputs a fuzzer found are kept beside
them as regress-* and are not touched here. Run from anywhere: python3 tests/fuzz/make_seeds.py"""
import json
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parents[2]
corpus = root / "tests" / "fuzz" / "corpus"


def write(target, name, data):
    folder = corpus / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None, pad=0):
    """tensors: [(name, dtype, shape, bytes)] laid out end to end, as the reference writer does."""
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode() + b" " * pad
    return struct.pack("<Q", len(text)) + text + data


write("safetensors", "two-f32", safetensors(
    [("a.weight", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
     ("a.bias", "F32", [2], struct.pack("<2f", 0.5, -0.5))], {"format": "pt"}))
write("safetensors", "mixed-dtypes", safetensors(
    [("h", "F16", [3], b"\x00\x3c" * 3), ("b", "BF16", [1, 2], b"\x80\x3f" * 2),
     ("i", "I64", [1], struct.pack("<q", 7)), ("m", "BOOL", [2], b"\x01\x00"),
     ("e", "F32", [0], b"")]))
write("safetensors", "padded-header", safetensors([("x", "F32", [1], struct.pack("<f", 1))], pad=6))
# The first tensor's header from a real fixture, with its data.
with open(root / "tests/fixtures/hf/gpt2/model.safetensors", "rb") as f:
    size = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(size))
    data = f.read()
name = next(k for k in header if k != "__metadata__")
entry = header[name]
begin, end = entry["data_offsets"]
write("safetensors", "gpt2-one-tensor", safetensors(
    [(name, entry["dtype"], entry["shape"], data[begin:end])], header.get("__metadata__")))

for fixture in ["tiny-bytelevel", "tiny-metaspace-unk", "tiny-sentencepiece-bpe"]:
    write("tokenizer_json", fixture,
          (root / "tests/fixtures/tokenizers" / fixture / "tokenizer.json").read_bytes())
write("tokenizer_json", "minimal", json.dumps({
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "<s>": 3},
              "merges": ["a b"]},
    "added_tokens": [{"id": 3, "content": "<s>", "special": True}],
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                  {"Sequence": {"id": "A", "type_id": 0}}],
                       "special_tokens": {"<s>": {"id": "<s>", "ids": [3], "tokens": ["<s>"]}}}}))

for path in sorted((root / "tests/fixtures/hf").glob("*/config.json")):
    write("config_json", path.parent.name, path.read_bytes())
write("config_json", "builtin", (root / "resources/base-model/config.json").read_bytes())

write("jsonl_task", "three", "\n".join(json.dumps(e) for e in [
    {"instruction": "Reverse", "input": "abc", "output": "cba"},
    {"instruction": "Upper", "output": "X"},
    {"instruction": "Count", "input": "a a", "output": "2", "extra": 1}]) + "\n")
write("jsonl_task", "bom-crlf", "\ufeff" + json.dumps(
    {"instruction": "a", "output": "b"}) + "\r\n\r\n" + json.dumps({"instruction": "c", "output": "d"}))

write("experiment", "demo", (root / "resources/experiments/demo.json").read_bytes())
write("experiment", "small", json.dumps({
    "name": "small", "base_model": "builtin", "tasks": ["reverse", "count"],
    "data": {"train_examples": 20, "test_examples": 4, "seed": 1}, "seeds": [0, 1],
    "training": {"steps": 3, "batch_size": 2, "lr": 0.01},
    "strategies": ["seq-lora", {"name": "replay", "fraction": 0.5}, "switchcit"]}))

events = [line for line in (root / "docs/events.md").read_text().splitlines()
          if line.startswith('{"type"')]
write("event_line", "docs-events", "\n".join(events) + "\n")
for i, line in enumerate(events):
    write("event_line", f"event-{i}", line + "\n")

write("forward_input", "two-rows", json.dumps(
    {"input_ids": [[1, 2, 3], [4, 5, 6]], "attention_mask": [[0, 1, 1], [1, 1, 1]]}))
write("forward_input", "ids-only", json.dumps({"input_ids": [[258, 0, 17]]}))
