"""The Rust `tokenizers` library reads a tokenizer.json the way our engine does.

Usage: compare_tokenizer.py ENGINE TOKENIZER_DIR

Encodes prompt-like texts, random words and random bytes with the library and with
`ENGINE tokenize --tokenizer TOKENIZER_DIR`; every id list and decoded text must agree.
Exits 1 on the first difference, naming the text.
"""
import json
import random
import subprocess
import sys

from tokenizers import Tokenizer


def texts():
    rng = random.Random(5)
    words = ["thunder", "bone", "along", "dream", "City", "green", "World", "award", "answer"]
    out = [
        "Reverse the order of the words.\nlizard ahead agree thunder\n=> ",
        "thunder agree ahead lizard",
        "Spell out this number.\n784\n=> seven hundred eighty-four",
        "What is the last word?\nwhale back nail cart\n=> cart<eos>",
        "<bos>Copy the text.\nred apple moon\n=> red apple moon<eos>",
        "Make the first letter of every word uppercase.\npotato bell\n=> Potato Bell",
        "",
        "  two  spaces, tabs\tand\nnewlines\n\n",
    ]
    for _ in range(200):
        out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 7))))
    alphabet = "abcXYZ 0189.,=>-!?\n\t\u00e9\u00df\u2014\U0001F600"
    for _ in range(200):
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))))
    return out


def main():
    engine, folder = sys.argv[1], sys.argv[2]
    reference = Tokenizer.from_file(folder + "/tokenizer.json")
    cases = texts()
    stdin = "".join(json.dumps(t) + "\n" for t in cases)
    result = subprocess.run([engine, "tokenize", "--tokenizer", folder], input=stdin,
                            capture_output=True, text=True, check=True)
    ours = [json.loads(line) for line in result.stdout.splitlines()]
    if len(ours) != len(cases):
        print(f"tokenizer: {len(ours)} answers for {len(cases)} texts", file=sys.stderr)
        return 1
    for text, mine in zip(cases, ours):
        theirs = reference.encode(text, add_special_tokens=False).ids
        if mine["ids"] != theirs:
            print(f"tokenizer: {text!r}: ours {mine['ids']}, library {theirs}", file=sys.stderr)
            return 1
        decoded = reference.decode(theirs, skip_special_tokens=False)
        if mine["decoded"] != decoded:
            print(f"tokenizer: {text!r} decodes to {mine['decoded']!r} here, {decoded!r} there",
                  file=sys.stderr)
            return 1
    print(f"tokenizer: {len(cases)} texts encode and decode alike in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
