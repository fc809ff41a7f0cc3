#!/usr/bin/env python3
"""Encode texts with a tokenizer.json in the Python `tokenizers` package and print the ids.

Usage: tokenizer_parity.py TOKENIZER_JSON TEXTS_JSON
TEXTS_JSON holds a JSON list of strings. Prints one JSON object: {"ids": [[...], ...]} with the
fixed-length ids (truncation and padding come from tokenizer.json itself), encoded without
special tokens, as the Rust side does. The Rust test `tokenizer_python_parity` compares them.
"""
import json
import sys

from tokenizers import Tokenizer


def main() -> None:
    tok = Tokenizer.from_file(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        texts = json.load(f)
    enc = tok.encode_batch(texts, add_special_tokens=False)
    print(json.dumps({"ids": [e.ids for e in enc], "version": __import__("tokenizers").__version__}))


if __name__ == "__main__":
    main()
