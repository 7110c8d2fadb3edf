#!/usr/bin/env python3
"""Test peer: checks that Python `safetensors` reads a (Swift-written) checkpoint as expected.

    peer_read.py CHECKPOINT EXPECTED_JSON

CHECKPOINT is a .safetensors file or a model.safetensors.index.json. EXPECTED_JSON is
{"metadata": {...} (optional, of the single file or of every shard),
 "tensors": {name: {"dtype": "F32", "shape": [..], "f32": "/path/values.f32"}}}.
Each file is parsed by safetensors' own reader (`safetensors.deserialize`, plus
`safetensors.numpy.load_file` when numpy has every dtype); values are widened to float32 with
numpy (`astype(float32)`; BF16 by shifting its bits into the upper half) and compared bit for bit
with the raw little-endian float32 file (NaNs compare equal). Prints "OK <n> tensors" and exits 0,
or prints the differences and exits 1.
"""
import json
import os
import sys

import numpy as np
import safetensors
from safetensors import deserialize, safe_open
from safetensors.numpy import load_file

NUMPY = {"F64": np.float64, "F32": np.float32, "F16": np.float16}


def read_file(path):
    with open(path, "rb") as f:
        data = f.read()
    out = {}
    for name, view in deserialize(data):
        dtype, shape, raw = view["dtype"], view["shape"], bytes(view["data"])
        if dtype in NUMPY:
            values = np.frombuffer(raw, dtype=NUMPY[dtype]).astype(np.float32)
        elif dtype == "BF16":
            values = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: {name}: dtype {dtype} not expected in this check")
        out[name] = (dtype, list(shape), values)
    dtypes = {v[0] for v in out.values()}
    if dtypes <= set(NUMPY):
        loaded = load_file(path)
        for name, arr in loaded.items():
            if not np.array_equal(arr.astype(np.float32).ravel(), out[name][2], equal_nan=True):
                raise SystemExit(f"{path}: {name}: load_file and deserialize disagree")
    with safe_open(path, framework="np") as f:
        meta = f.metadata() or {}
    return out, meta


def main():
    ckpt, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path) as f:
        expected = json.load(f)
    tensors, metas = {}, []
    if ckpt.endswith(".index.json"):
        with open(ckpt) as f:
            index = json.load(f)
        folder = os.path.dirname(ckpt)
        for shard in sorted(set(index["weight_map"].values())):
            got, meta = read_file(os.path.join(folder, shard))
            metas.append(meta)
            for name, v in got.items():
                if index["weight_map"].get(name) != shard:
                    raise SystemExit(f"{shard}: {name} not mapped to this shard by the index")
                if name in tensors:
                    raise SystemExit(f"{name} in two shards")
                tensors[name] = v
        total = sum(v[2].size * {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}[v[0]] for v in tensors.values())
        if index.get("metadata", {}).get("total_size") != total:
            raise SystemExit(f"index total_size {index.get('metadata')} != {total}")
    else:
        got, meta = read_file(ckpt)
        tensors, metas = got, [meta]
    problems = []
    if set(tensors) != set(expected["tensors"]):
        problems.append(f"names differ: {sorted(set(tensors) ^ set(expected['tensors']))}")
    for name, e in expected["tensors"].items():
        if name not in tensors:
            continue
        dtype, shape, values = tensors[name]
        want = np.fromfile(e["f32"], dtype="<f4")
        if dtype != e["dtype"] or shape != e["shape"]:
            problems.append(f"{name}: {dtype} {shape}, expected {e['dtype']} {e['shape']}")
        elif not (values.size == want.size and np.all((values.view(np.uint32) == want.view(np.uint32))
                                                   | (np.isnan(values) & np.isnan(want)))):
            problems.append(f"{name}: values differ")
    if "metadata" in expected:
        for m in metas:
            if m != expected["metadata"]:
                problems.append(f"metadata {m} != {expected['metadata']}")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"OK {len(tensors)} tensors (safetensors {safetensors.__version__})")


if __name__ == "__main__":
    main()
