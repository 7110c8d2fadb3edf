#!/usr/bin/env python3
"""Makes safetensors copies of SmolLM2-135M-Instruct for `allone-bench safetensors`.

Reads the GGUF (Q4_1 + Q8_0 tensors) with gguf-py 0.19.0, dequantizes every tensor to float32
with `gguf.quants.dequantize`, and writes two files with Python `safetensors`:
  <out>/SmolLM2-135M-Instruct.F32.safetensors   (every tensor F32)
  <out>/SmolLM2-135M-Instruct.BF16.safetensors  (every tensor BF16, rounded to nearest even)
Tensor names are the GGUF ones; shapes are row-major (gguf-py's numpy shape). Not committed.

    .venv-peers/bin/python bench/make_smollm2_safetensors.py \
        Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf /tmp/allone-smollm2
"""
import ctypes
import os
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize
from safetensors import TensorSpec, serialize_file


def bf16_bits(x):
    u = x.astype(np.float32).view(np.uint32)
    assert not np.isnan(x).any()
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")


def write(path, arrays, dtype):
    specs = {}
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        specs[name] = TensorSpec(dtype=dtype, shape=list(a.shape), data_ptr=a.ctypes.data, data_len=a.nbytes)
    serialize_file(specs, path, metadata={"source": "SmolLM2-135M-Instruct.Q4_1.gguf dequantized by gguf-py"})


def main():
    gguf_path = sys.argv[1] if len(sys.argv) > 1 else "Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/allone-smollm2"
    os.makedirs(out, exist_ok=True)
    reader = GGUFReader(gguf_path)
    f32 = {}
    for t in reader.tensors:
        values = dequantize(t.data, t.tensor_type).astype(np.float32)
        shape = [int(d) for d in reversed(t.shape.tolist())]  # ne is fastest-first
        f32[t.name] = values.reshape(shape)
    write(os.path.join(out, "SmolLM2-135M-Instruct.F32.safetensors"), f32, "float32")
    bf16 = {k: bf16_bits(v) for k, v in f32.items()}
    write(os.path.join(out, "SmolLM2-135M-Instruct.BF16.safetensors"), bf16, "bfloat16")
    n = sum(v.size for v in f32.values())
    print(f"{len(f32)} tensors, {n} parameters -> {out}")


if __name__ == "__main__":
    main()
