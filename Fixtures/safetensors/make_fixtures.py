#!/usr/bin/env python3
"""Writes the safetensors fixtures the Swift tests read, with Python `safetensors` 0.8.0.

Run with a Python that has numpy, safetensors==0.8.0 and ml_dtypes (an independent implementation
of bfloat16 / float8_e4m3fn / float8_e5m2), e.g.
    python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy safetensors==0.8.0 ml_dtypes
    /tmp/v/bin/python Fixtures/safetensors/make_fixtures.py
Outputs (next to this script):
  dtypes.safetensors         one tensor per dtype (F64 F32 F16 BF16 F8_E4M3 F8_E5M2 I8..I64 U8..U64 BOOL),
                             a scalar, an empty tensor, and __metadata__
  dtypes.expected.json       per tensor: dtype, shape, and either the .f32 file of its Float32 values
                             (computed by numpy/ml_dtypes `astype(float32)`) or its integer values
  dtypes.<name>.f32          raw little-endian Float32 expected values
  sharded/                   a 2-shard checkpoint written with safetensors + an HF-style
                             model.safetensors.index.json; sharded.expected.json + sharded.<name>.f32
  order.safetensors          tensors of every dtype with names out of order: the reference writer's
                             layout (the Swift writer must produce the same bytes), no metadata
"""
import json
import os
import struct

import ml_dtypes
import numpy as np
import safetensors
from safetensors.numpy import save_file

assert safetensors.__version__ == "0.8.0", safetensors.__version__
HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261126)


def f32_file(path, values):
    np.asarray(values, dtype="<f4").tofile(path)


def special_f32():
    return np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1.17549435e-38,
                     3.4028235e38, 65504.0, 65520.0, 1e-8, 2.0 ** -24, 2.0 ** -25], dtype=np.float32)


def make_dtypes():
    t = {}
    t["f32"] = np.concatenate([special_f32(), rng.standard_normal(32).astype(np.float32)]).reshape(6, 8)
    f64 = np.concatenate([
        np.array([0.0, -0.0, 1e300, -1e300, np.inf, np.nan, 1e-320, 1.0 + 2.0 ** -24, 1.0 + 3 * 2.0 ** -24,
                  1.0 + 2.0 ** -24 + 2.0 ** -40, 3.4028235677973366e38, 3.4028235677973367e38]),
        rng.standard_normal(20) * 1e3])
    t["f64"] = f64.reshape(4, 8)
    f16_bits = np.concatenate([np.array([0, 0x8000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0x7BFF, 0x7C00, 0xFC00,
                                         0x7E00, 0x7C01, 0xFFFF], dtype=np.uint16),
                               rng.integers(0, 0x10000, 244, dtype=np.uint16)])
    t["f16"] = f16_bits.view(np.float16).reshape(16, 16)
    bf16_bits = np.concatenate([np.array([0, 0x8000, 0x0001, 0x007F, 0x0080, 0x3F80, 0x7F7F, 0x7F80, 0xFF80,
                                          0x7FC0, 0x7F81, 0xFFFF], dtype=np.uint16),
                                rng.integers(0, 0x10000, 116, dtype=np.uint16)])
    t["bf16"] = bf16_bits.view(ml_dtypes.bfloat16).reshape(2, 64)
    t["f8_e4m3"] = np.arange(256, dtype=np.uint8).view(ml_dtypes.float8_e4m3fn).reshape(16, 16)
    t["f8_e5m2"] = np.arange(256, dtype=np.uint8).view(ml_dtypes.float8_e5m2).reshape(2, 8, 16)
    t["scalar"] = np.array(2.5, dtype=np.float32)  # shape []
    t["empty"] = np.zeros((0, 3), dtype=np.float16)
    for name, dt in [("i8", np.int8), ("i16", np.int16), ("i32", np.int32), ("i64", np.int64),
                     ("u8", np.uint8), ("u16", np.uint16), ("u32", np.uint32), ("u64", np.uint64)]:
        info = np.iinfo(dt)
        t[name] = np.array([info.min, info.max, 0, 1, 7, info.max // 3], dtype=dt).reshape(2, 3)
    t["bool"] = np.array([True, False, False, True, True], dtype=np.bool_)
    meta = {"format": "pt", "note": "caf\u00e9 \"quoted\" \\ back\nslash", "empty": ""}
    save_file(t, os.path.join(HERE, "dtypes.safetensors"), metadata=meta)

    expected = {"metadata": meta, "tensors": {}}
    for name, a in t.items():
        st_dtype = {"float32": "F32", "float64": "F64", "float16": "F16", "bfloat16": "BF16",
                    "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2", "int8": "I8", "int16": "I16",
                    "int32": "I32", "int64": "I64", "uint8": "U8", "uint16": "U16", "uint32": "U32",
                    "uint64": "U64", "bool": "BOOL"}[a.dtype.name]
        entry = {"dtype": st_dtype, "shape": list(a.shape)}
        if st_dtype in ("F32", "F64", "F16", "BF16", "F8_E4M3", "F8_E5M2"):
            fname = f"dtypes.{name}.f32"
            with np.errstate(over="ignore"):
                f32_file(os.path.join(HERE, fname), a.astype(np.float32).ravel())
            entry["f32"] = fname
        else:
            entry["values"] = [str(int(v)) for v in a.ravel()]
        expected["tensors"][name] = entry
    with open(os.path.join(HERE, "dtypes.expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


def make_sharded():
    d = os.path.join(HERE, "sharded")
    os.makedirs(d, exist_ok=True)
    shards = [
        {"model.embed_tokens.weight": rng.standard_normal((8, 4)).astype(np.float32),
         "model.layers.0.self_attn.q_proj.weight": rng.standard_normal((4, 4)).astype(np.float16)},
        {"model.layers.0.mlp.up_proj.weight": rng.standard_normal((6, 4)).astype(ml_dtypes.bfloat16),
         "model.norm.weight": rng.standard_normal(4).astype(np.float32),
         "lm_head.weight": rng.standard_normal((8, 4)).astype(np.float32)},
    ]
    weight_map = {}
    total = 0
    expected = {"tensors": {}}
    for i, shard in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, os.path.join(d, fname), metadata={"format": "pt"})
        for name, a in shard.items():
            weight_map[name] = fname
            total += a.nbytes
            ef = f"sharded.{name}.f32"
            f32_file(os.path.join(HERE, ef), a.astype(np.float32).ravel())
            expected["tensors"][name] = {"shard": fname, "shape": list(a.shape), "f32": ef,
                                         "dtype": {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}[a.dtype.name]}
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(HERE, "sharded.expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


def make_order():
    # Names deliberately out of order and every dtype twice, to pin the reference writer's order
    # (dtype descending in its enum order, then name). No metadata: the reference writes
    # __metadata__ from a HashMap, so its key order is not reproducible.
    t = {}
    kinds = [np.float64, np.float32, np.float16, ml_dtypes.bfloat16, np.int8, np.int16, np.int32, np.int64,
             np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2]
    for i, k in enumerate(kinds):
        for suffix in ("z", "a"):
            t[f"{suffix}.{i}"] = np.zeros((i % 3 + 1, 2), dtype=k)
    # A name that needs every kind of JSON escaping serde_json does (and one it does not: '/').
    t["q\"\\\x01\x1f\b\f\n\r\t/\u00e9\U0001F600\x7f"] = np.arange(3, dtype=np.float32)
    save_file(t, os.path.join(HERE, "order.safetensors"))
    with open(os.path.join(HERE, "order.safetensors"), "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    assert n % 8 == 0


def make_encode():
    # Float32 inputs for the writer's F16/BF16 encoders and numpy/ml_dtypes' round-to-nearest-even
    # encodings of them, as raw little-endian uint16.
    ties = np.array([1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8, 65504.0, 65520.0,
                     65519.99, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -26, 1e-10, 3.3895314e38, 3.4e38],
                    dtype=np.float32)
    x = np.concatenate([special_f32(), ties, -ties, rng.standard_normal(200).astype(np.float32),
                        (rng.standard_normal(100) * 1e-5).astype(np.float32),
                        (rng.standard_normal(100) * 3e4).astype(np.float32)])
    f32_file(os.path.join(HERE, "encode.input.f32"), x)
    with np.errstate(over="ignore"):
        x.astype(np.float16).view("<u2").tofile(os.path.join(HERE, "encode.f16.u16"))
        x.astype(ml_dtypes.bfloat16).view("<u2").tofile(os.path.join(HERE, "encode.bf16.u16"))


if __name__ == "__main__":
    make_encode()
    make_dtypes()
    make_sharded()
    make_order()
