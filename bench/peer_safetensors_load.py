#!/usr/bin/env python3
"""Peer for `allone-bench safetensors`: Python safetensors + numpy reading every tensor to float32.

    peer_safetensors_load.py FILE REPEATS

Open: `safe_open(FILE, framework="np")` (parses the header), best of 20.
Load: F32/F16/F64 files: `safetensors.numpy.load_file(FILE)` then `astype(np.float32)` per tensor.
BF16 (numpy has no bfloat16; `safe_open(framework="np")` refuses it): `safetensors.deserialize`
of the file's bytes, then per tensor `(frombuffer(uint16).astype(uint32) << 16).view(float32)`.
Best of REPEATS. Prints one JSON line: open_s, load_s, tensors, elements, checksum (sum over tensors
of the first value, as float64).
"""
import json
import sys
import time

import numpy as np
import safetensors
from safetensors import deserialize, safe_open
from safetensors.numpy import load_file


def dtypes_of(path):
    with safe_open(path, framework="np") as f:
        return {f.get_slice(k).get_dtype() for k in f.keys()}


def load_numpy(path):
    return {k: v.astype(np.float32) for k, v in load_file(path).items()}


def load_bf16(path):
    with open(path, "rb") as f:
        data = f.read()
    out = {}
    for name, view in deserialize(data):
        u = np.frombuffer(view["data"], dtype="<u2").astype(np.uint32) << 16
        out[name] = u.view(np.float32).reshape(view["shape"])
    return out


def main():
    path, repeats = sys.argv[1], int(sys.argv[2])
    best_open = float("inf")
    for _ in range(20):
        t0 = time.perf_counter()
        with safe_open(path, framework="np") as f:
            _ = f.keys()
        best_open = min(best_open, time.perf_counter() - t0)
    kinds = dtypes_of(path)
    loader = load_bf16 if "BF16" in kinds else load_numpy
    best = float("inf")
    result = None
    for _ in range(repeats):
        result = None
        t0 = time.perf_counter()
        result = loader(path)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({
        "open_s": best_open, "load_s": best, "tensors": len(result),
        "elements": int(sum(a.size for a in result.values())),
        "checksum": float(sum(float(a.ravel()[0]) for a in result.values() if a.size)),
        "dtypes": sorted(kinds), "safetensors": safetensors.__version__, "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
