#!/usr/bin/env python3
"""Differential corpus: inputs found by the safetensors fuzzer, with the reference's verdict.

    .venv-peers/bin/python Fixtures/safetensors/make_differential.py /tmp/allone-fuzz/safetensors/corpus

Takes a libFuzzer corpus (from `scripts/fuzz safetensors`), keeps every input that Python
`safetensors` 0.8.0 (`safetensors.deserialize`, the Rust reference) accepts and the smallest
refused ones (up to 250 files, 64 KiB in all), copies them to differential/ named by content hash,
and writes differential/verdicts.json: {file: {"reference": "accepted"|"refused",
"duplicate_keys": bool}}. `duplicate_keys` marks JSON headers with a repeated key in any object,
which the reference accepts (last wins) and allone-compress refuses on purpose. The Swift test
checks that SafeTensorsFile agrees with the reference on every other file.
"""
import hashlib
import json
import os
import sys

import safetensors
from safetensors import deserialize

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "differential")


def has_duplicate_keys(data):
    if len(data) < 8:
        return False
    n = int.from_bytes(data[:8], "little")
    found = []

    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            found.append(True)
        return dict(pairs)

    try:
        json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=hook)
    except Exception:
        return False
    return bool(found)


def main():
    src = sys.argv[1]
    accepted, refused = [], []
    for name in sorted(os.listdir(src)):
        data = open(os.path.join(src, name), "rb").read()
        try:
            deserialize(data)
            accepted.append(data)
        except Exception:
            refused.append(data)
    refused.sort(key=len)
    chosen = [(d, "accepted") for d in accepted]
    budget = 64 * 1024 - sum(len(d) for d in accepted)
    for d in refused:
        if len(chosen) >= 250 or len(d) > budget:
            break
        chosen.append((d, "refused"))
        budget -= len(d)
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    verdicts = {}
    for data, verdict in chosen:
        name = hashlib.sha1(data).hexdigest()[:16] + ".bin"
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        verdicts[name] = {"reference": verdict, "duplicate_keys": has_duplicate_keys(data)}
    with open(os.path.join(OUT, "verdicts.json"), "w") as f:
        json.dump({"safetensors": safetensors.__version__, "files": verdicts}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(verdicts)} files ({sum(v['reference'] == 'accepted' for v in verdicts.values())} accepted)")


if __name__ == "__main__":
    main()
