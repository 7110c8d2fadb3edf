#!/usr/bin/env python3
"""Malformed GGUF corpus: one file per rule of llama.cpp's hardened reader (ggml/src/gguf.cpp).

Run: python3 Fixtures/malformed/gguf/make_malformed.py   (standard library only; deterministic)
Writes <case>.gguf files and manifest.json: for each file the WeightFormatError case the Swift
reader must throw, the field it must name and, where the field has a fixed place, its offset.
Files are built byte by byte (not with gguf-py, which refuses to write most of them).
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)


class B:
    """Byte builder that remembers where labelled fields start."""

    def __init__(self):
        self.b = bytearray()
        self.at = {}

    def put(self, data, label=None):
        if label is not None:
            self.at[label] = len(self.b)
        self.b += data
        return self

    def u32(self, v, label=None): return self.put(struct.pack("<I", v & 0xFFFFFFFF), label)
    def u64(self, v, label=None): return self.put(struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF), label)
    def i64(self, v, label=None): return self.put(struct.pack("<q", v), label)

    def string(self, s, label=None, length=None):
        raw = s if isinstance(s, bytes) else s.encode()
        self.u64(len(raw) if length is None else length, label)
        return self.put(raw)

    def pad(self, align=32):
        self.put(b"\0" * ((-len(self.b)) % align))
        return self


def header(b, n_tensors, n_kv, version=3):
    b.put(b"GGUF", "magic").u32(version, "version").u64(n_tensors, "tensor count").u64(n_kv, "metadata count")
    return b


def kv_u32(b, key, v, label=None):
    b.string(key, label).u32(U32, f"type:{key}").u32(v, f"value:{key}")


def tensor_info(b, name, dims, ggml_type, offset, label=None):
    b.string(name, label or f"name:{name}")
    b.u32(len(dims), f"ndims:{name}")
    for j, d in enumerate(dims):
        b.i64(d, f"ne{j}:{name}")
    b.u32(ggml_type, f"type:{name}")
    b.u64(offset, f"offset:{name}")


def valid_file(tensors=(("a", [32], 0, 0),), kvs=(("general.architecture", "llama"),), data=None, version=3, align=32):
    b = header(B(), len(tensors), len(kvs), version)
    for k, v in kvs:
        b.string(k).u32(STR).string(v)
    for t in tensors:
        tensor_info(b, *t)
    b.pad(align)
    b.at["data"] = len(b.b)
    b.put(data if data is not None else b"\0" * 128)
    return b


cases = []


def case(name, b, error, field=None, offset_label=None, offset=None):
    data = bytes(b.b) if isinstance(b, B) else bytes(b)
    if offset_label is not None:
        offset = b.at[offset_label]
    cases.append((name, data, {"error": error, "field": field, "offset": offset}))


def main():
    good = valid_file()
    # --- magic and version
    case("bad_magic", b"GGUX" + bytes(good.b)[4:], "badMagic")
    case("empty_file", b"", "truncated", "magic", offset=0)
    case("short_magic", b"GGU", "truncated", "magic", offset=0)
    case("truncated_version", b"GGUF\x03\x00", "truncated", "version", offset=4)
    for v, tag in [(0, "0"), (1, "1"), (4, "4"), (0x03000000, "big_endian")]:
        b = bytearray(good.b); b[4:8] = struct.pack("<I", v)
        case(f"version_{tag}", b, "unsupportedVersion")
    case("ggml_magic", b"lmgg" + bytes(60), "badMagic")
    # --- counts
    b = header(B(), 0, 1 << 62); case("kv_count_huge", b, "limitExceeded", "metadata count", "metadata count")
    b = header(B(), 1 << 62, 0); case("tensor_count_huge", b, "limitExceeded", "tensor count", "tensor count")
    b = header(B(), 0, -1 & 0xFFFFFFFFFFFFFFFF); case("kv_count_negative", b, "invalid", "metadata count", "metadata count")
    b = header(B(), -5 & 0xFFFFFFFFFFFFFFFF, 0); case("tensor_count_negative", b, "invalid", "tensor count", "tensor count")
    b = header(B(), 2, 0); tensor_info(b, "a", [32], 0, 0); b.string("bcd").u32(1).put(b"\x20\0\0", "ne0")
    case("second_tensor_info_truncated", b, "truncated", "tensor 'bcd' ne[0]", "ne0")
    # --- keys
    b = header(B(), 0, 1); b.string("k" * 10, "key", length=1000); b.put(b"\0" * 40)
    case("key_length_past_end", b, "limitExceeded", "metadata key 0 length", "key")
    b = header(B(), 0, 1); b.string(b"", "key", length=(1 << 31)); b.put(b"\0" * 40)
    case("key_length_over_1GiB", b, "limitExceeded", "metadata key 0 length", "key")
    b = header(B(), 0, 1); b.string("", "key").u32(U8).put(b"\x01" * 20)
    case("empty_key", b, "invalid", "metadata key 0", "key")
    b = header(B(), 0, 2); kv_u32(b, "k", 1); kv_u32(b, "k", 2); b.put(b"\0" * 16)
    case("duplicate_key", b, "duplicate", "metadata key")
    b = header(B(), 0, 1); b.string(b"k\xff\xfe", "key").u32(U8).put(b"\x01" * 20)
    b.at["keybytes"] = b.at["key"] + 8
    case("key_not_utf8", b, "invalid", "metadata key 0", "keybytes")
    # --- values
    b = header(B(), 0, 1); b.string("k").u32(13, "type").put(b"\0" * 20)
    case("value_type_unknown", b, "unknownType", "metadata 'k' type", "type")
    b = header(B(), 0, 1); b.string("k").u32(ARR).u32(ARR, "sub").u64(1).u32(U8).u64(1).put(b"\0" * 20)
    case("nested_array", b, "invalid", "metadata 'k' array type", "sub")
    b = header(B(), 0, 1); b.string("k").u32(ARR).u32(99, "sub").u64(1).put(b"\0" * 20)
    case("array_type_unknown", b, "unknownType", "metadata 'k' array type", "sub")
    b = header(B(), 0, 1); b.string("k").u32(ARR).u32(U32).u64(100, "count").put(b"\0" * 20)
    case("array_count_past_end", b, "limitExceeded", "metadata 'k' array count", "count")
    b = header(B(), 0, 1); b.string("k").u32(ARR).u32(U8).u64((1 << 30) + 1, "count").put(b"\0" * 20)
    case("array_count_over_1Gi", b, "limitExceeded", "metadata 'k' array count", "count")
    b = header(B(), 0, 2); b.string("a").u32(ARR).u32(U8).u64(3).put(b"\1\2\3")
    b.string("k").u32(ARR).u32(U8).u64((1 << 24) - 2, "count").put(b"\0" * 20)  # 16 Mi elements in all
    case("array_elements_over_budget", b, "limitExceeded", "metadata 'k' array count", "count")
    b = header(B(), 0, 1); b.string("k").u32(ARR).u32(STR).u64(10, "count").string("x").put(b"\0" * 20)
    case("string_array_count_past_end", b, "limitExceeded", "metadata 'k' array count", "count")
    b = header(B(), 0, 1); b.string("k").u32(ARR).u32(STR).u64(3).string("x").string("yy").string("z", "third", length=500).put(b"\0" * 8)
    case("string_array_element_past_end", b, "limitExceeded", "metadata 'k' length", "third")
    b = header(B(), 0, 1); b.string("k").u32(U64).put(b"\x01\x02\x03", "value")
    case("value_truncated", b, "truncated", "metadata 'k'", "value")
    b = header(B(), 0, 1); b.string("k").u32(STR).string("abc", "value", length=100000).put(b"\0" * 16)
    case("string_value_past_end", b, "limitExceeded", "metadata 'k' length", "value")
    # --- alignment
    b = header(B(), 0, 1); b.string("general.alignment").u32(U64).u64(32, "value").put(b"\0" * 8)
    case("alignment_wrong_type", b, "invalid", "general.alignment", "value")
    for v, tag in [(48, "not_power_of_two"), (0, "zero")]:
        b = header(B(), 0, 1); kv_u32(b, "general.alignment", v); b.put(b"\0" * 8)
        case(f"alignment_{tag}", b, "invalid", "general.alignment", "value:general.alignment")
    # --- tensor infos
    b = valid_file(tensors=[("a", [32], 0, 0), ("a", [32], 0, 128)])
    case("duplicate_tensor_name", b, "duplicate", "tensor name")
    b = valid_file(tensors=[("n" * 64, [32], 0, 0)])
    case("tensor_name_64_bytes", b, "limitExceeded", "tensor name 0", "name:" + "n" * 64)
    b = header(B(), 1, 0); b.string("a", length=1 << 40); b.put(b"\0" * 40)
    case("tensor_name_length_past_end", b, "limitExceeded", "tensor name 0 length", offset=24)
    b = valid_file(tensors=[("a", [32, 1, 1, 1, 1], 0, 0)])
    case("five_dims", b, "limitExceeded", "tensor 'a' n_dims", "ndims:a")
    b = valid_file(tensors=[("a", [32, -2], 0, 0)])
    case("negative_dim", b, "invalid", "tensor 'a' ne[1]", "ne1:a")
    b = valid_file(tensors=[("a", [1 << 32, 1 << 32], 0, 0)])
    case("element_count_overflow", b, "invalid", "tensor 'a' shape", "ndims:a")
    b = valid_file(tensors=[("a", [1 << 62, 4], 0, 0)])
    case("element_count_int64_max", b, "invalid", "tensor 'a' shape", "ndims:a")
    b = valid_file(tensors=[("a", [0, 0, 4899916394579099648, 1 << 27], 0, 0)])  # found by the fuzzer
    case("zero_dim_with_overflowing_dims", b, "invalid", "tensor 'a' shape", "ndims:a")
    b = valid_file(tensors=[("a", [1 << 61, 1], 0, 0)])
    case("byte_size_overflow", b, "invalid", "tensor 'a' shape", "ndims:a")
    b = valid_file(tensors=[("a", [32], 99, 0)])
    case("ggml_type_unknown", b, "unknownType", "tensor 'a' type", "type:a")
    b = valid_file(tensors=[("a", [32], 4, 0)])
    case("ggml_type_removed_q4_2", b, "unknownType", "tensor 'a' type", "type:a")
    b = valid_file(tensors=[("a", [32], 31, 0)])
    case("ggml_type_removed_31", b, "unknownType", "tensor 'a' type", "type:a")
    b = valid_file(tensors=[("a", [16, 2], 2, 0)])
    case("ne0_not_block_multiple", b, "invalid", "tensor 'a' ne[0]", "ne0:a")
    b = valid_file(tensors=[("a", [100], 12, 0)])
    case("ne0_not_k_block_multiple", b, "invalid", "tensor 'a' ne[0]", "ne0:a")
    b = header(B(), 1, 0); b.string("a"); b.u32(1).i64(32).u32(0); b.put(b"\x00\x00", "off")
    case("tensor_info_truncated", b, "truncated", "tensor 'a' offset", "off")
    # --- offsets and data
    b = valid_file(tensors=[("a", [8], 0, 0), ("b", [8], 0, 36)])
    case("offset_unaligned", b, "invalid", "tensor 'b' offset", "offset:b")
    b = valid_file(tensors=[("a", [32], 0, 1 << 20)])
    case("offset_past_end", b, "limitExceeded", "tensor 'a' offset", "offset:a")
    b = valid_file(tensors=[("a", [32], 0, 0xFFFFFFFFFFFFFFE0)])
    case("offset_huge", b, "limitExceeded", "tensor 'a' offset", "offset:a")
    b = valid_file(tensors=[("a", [64], 0, 64)], data=b"\0" * 200)
    b.b = b.b[:b.at["data"] + 64 + 100]
    case("data_truncated", b, "limitExceeded", "tensor 'a' offset", "offset:a")
    b = valid_file(tensors=[("a", [32], 0, 0), ("b", [32], 0, 64)], data=b"\0" * 256)
    case("overlapping_tensors", b, "invalid", "tensor 'b' offset", "offset:b")
    b = valid_file(tensors=[("a", [32], 0, 64), ("b", [64], 0, 0)], data=b"\0" * 256)
    case("overlapping_tensors_out_of_order", b, "invalid", "tensor 'a' offset", "offset:a")
    b = header(B(), 1, 0); tensor_info(b, "a", [32], 0, 0)
    case("data_section_missing", b, "truncated", "data section", offset=len(b.b))

    for f in os.listdir(HERE):
        if f.endswith(".gguf"):
            os.remove(os.path.join(HERE, f))
    manifest = {}
    for name, data, expect in cases:
        with open(os.path.join(HERE, name + ".gguf"), "wb") as f:
            f.write(data)
        manifest[name + ".gguf"] = expect
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(cases)} malformed files")


if __name__ == "__main__":
    main()
