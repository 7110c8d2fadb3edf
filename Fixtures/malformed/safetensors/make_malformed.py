#!/usr/bin/env python3
"""Generates malformed safetensors files and manifest.json (expected WeightFormatError case + field).

Needs only the standard library. When Python `safetensors` is importable, each file is also fed to
the reference implementation and its verdict is recorded as "reference" ("refused" or "accepted"),
so the manifest shows where allone-compress is stricter (duplicate keys, which serde_json lets the
last one win).

    python3 Fixtures/malformed/safetensors/make_malformed.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = []


def raw(name, data, error, field, note):
    CASES.append((name, data, error, field, note))


def st(name, header, data, error, field, note, pad=True):
    """A file from a header given as bytes or as a JSON-able object, plus data bytes."""
    if not isinstance(header, bytes):
        header = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        header += b" " * ((8 - len(header) % 8) % 8)
    raw(name, struct.pack("<Q", len(header)) + header + data, error, field, note)


def t(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


Z8 = bytes(8)

raw("empty.safetensors", b"", "truncated", "header length", "zero-byte file")
raw("short-length.safetensors", b"\x05\x00\x00\x00\x00", "truncated", "header length", "fewer than 8 bytes")
raw("header-too-large.safetensors", struct.pack("<Q", 100_000_001) + b"{}", "limitExceeded", "header length",
    "claims a 100,000,001-byte header")
raw("header-length-max.safetensors", struct.pack("<Q", 2 ** 64 - 1) + b"{}", "limitExceeded", "header length",
    "claims a 2^64-1-byte header")
raw("header-beyond-file.safetensors", struct.pack("<Q", 1000) + b"{}" + b" " * 30, "truncated", "header",
    "header length larger than the file")
st("non-utf8.safetensors", b'{"a\xff":' + json.dumps(t()).encode() + b"}", Z8, "invalid", "header", "0xFF in a key")
st("overlong-utf8.safetensors", b'{"\xc0\xaf":' + json.dumps(t()).encode() + b"}", Z8, "invalid", "header",
   "overlong encoding of '/'")
st("surrogate-utf8.safetensors", b'{"\xed\xa0\x80":' + json.dumps(t()).encode() + b"}", Z8, "invalid", "header",
   "UTF-8-encoded surrogate U+D800")
st("truncated-utf8.safetensors", b'{"a":' + json.dumps(t()).encode() + b'}\xe2\x82', Z8, "invalid", "header",
   "multi-byte sequence cut by the end of the header", pad=False)
st("not-json.safetensors", b"hello world", b"", "invalid", "header", "plain text header")
st("json-array.safetensors", b"[]", b"", "invalid", "header", "header is an array, not an object")
st("json-string.safetensors", b'"x"', b"", "invalid", "header", "header is a string")
st("trailing-garbage.safetensors", b"{} x", b"", "invalid", "header", "non-space after the JSON object")
st("two-objects.safetensors", b"{}{}", b"", "invalid", "header", "two JSON values")
st("nul-padding.safetensors", b"{}\x00\x00\x00\x00\x00\x00", b"", "invalid", "header", "padded with NUL instead of spaces",
   pad=False)
st("empty-header.safetensors", b"", b"", "invalid", "header", "zero-length header", pad=False)
st("unterminated-object.safetensors", b'{"a":', b"", "invalid", "header", "JSON ends inside an object")
st("unterminated-string.safetensors", b'{"a', b"", "invalid", "header", "JSON ends inside a string")
st("lone-surrogate-escape.safetensors", b'{"\\ud800":' + json.dumps(t()).encode() + b"}", Z8, "invalid", "header",
   "lone surrogate in a \\u escape")
st("control-char-in-string.safetensors", b'{"a\x01":' + json.dumps(t()).encode() + b"}", Z8, "invalid", "header",
   "raw control character in a key")
st("bad-escape.safetensors", b'{"a\\x":' + json.dumps(t()).encode() + b"}", Z8, "invalid", "header", "invalid escape \\x")
st("leading-zero.safetensors", b'{"a":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}}', Z8, "invalid", "header",
   "number with a leading zero")
st("deep-nesting.safetensors", b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":' + b"[" * 200 + b"]" * 200
   + b"}}", Z8, "limitExceeded", "nesting depth", "200 nested arrays in an extra field (limit 128)")
st("very-deep-nesting.safetensors", b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":' + b"[" * 10_000, Z8,
   "limitExceeded", "nesting depth", "10,000 unclosed arrays in an extra field")
st("deep-array-root.safetensors", b"[" * 10_000, b"", "invalid", "header", "10,000 unclosed arrays as the root")
st("overlapping-offsets.safetensors", {"a": t(offsets=(0, 8)), "b": t(offsets=(4, 12))}, bytes(12), "invalid",
   "tensors['b'].data_offsets", "second tensor starts inside the first")
st("hole-between.safetensors", {"a": t(offsets=(0, 8)), "b": t(offsets=(12, 20))}, bytes(20), "invalid",
   "tensors['b'].data_offsets", "4-byte hole between tensors")
st("not-from-zero.safetensors", {"a": t(offsets=(4, 12))}, bytes(12), "invalid", "tensors['a'].data_offsets",
   "first tensor starts at offset 4")
st("same-offsets.safetensors", {"a": t(offsets=(0, 8)), "b": t(offsets=(0, 8))}, bytes(8), "invalid",
   "tensors['b'].data_offsets", "two tensors share a span")
st("end-before-begin.safetensors", {"a": t(shape=(0,), offsets=(8, 0))}, bytes(8), "invalid", "tensors['a'].data_offsets",
   "end < begin")
st("trailing-bytes.safetensors", {"a": t()}, bytes(12), "invalid", "data", "4 bytes after the last tensor")
st("data-truncated.safetensors", {"a": t(), "b": t(offsets=(8, 16))}, bytes(12), "truncated", "tensors['b'] data",
   "file ends inside the last tensor")
st("size-mismatch.safetensors", {"a": t(shape=(3,), offsets=(0, 8))}, bytes(8), "invalid", "tensors['a'].data_offsets",
   "F32 [3] needs 12 bytes, span is 8")
st("size-mismatch-dtype.safetensors", {"a": t(dtype="F64", shape=(2,), offsets=(0, 8))}, bytes(8), "invalid",
   "tensors['a'].data_offsets", "F64 [2] needs 16 bytes, span is 8")
st("shape-overflow.safetensors", {"a": t(shape=(2 ** 62, 8), offsets=(0, 8))}, bytes(8), "invalid", "tensors['a'].shape",
   "element count 2^65 overflows")
st("bytes-overflow.safetensors", {"a": t(dtype="F64", shape=(2 ** 61, 2), offsets=(0, 8))}, bytes(8), "invalid",
   "tensors['a'].shape", "2^62 elements x 8 bytes overflows")
st("shape-beyond-u64.safetensors", b'{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}', Z8,
   "invalid", "tensors['a'].shape", "dimension 2^64")
st("negative-dim.safetensors", {"a": t(shape=(-2,))}, Z8, "invalid", "tensors['a'].shape", "dimension -2")
st("float-dim.safetensors", b'{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', Z8, "invalid",
   "tensors['a'].shape", "dimension 2.0")
st("shape-not-array.safetensors", {"a": {"dtype": "F32", "shape": 2, "data_offsets": [0, 8]}}, Z8, "invalid",
   "tensors['a'].shape", "shape is a number")
st("offset-beyond-i64.safetensors", {"a": t(offsets=(2 ** 63 + 5, 2 ** 63 + 13))}, Z8, "invalid",
   "tensors['a'].data_offsets", "offsets above 2^63")
st("offsets-three.safetensors", {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 8]}}, Z8, "invalid",
   "tensors['a'].data_offsets", "three offsets")
st("offsets-string.safetensors", {"a": {"dtype": "F32", "shape": [2], "data_offsets": "0,8"}}, Z8, "invalid",
   "tensors['a'].data_offsets", "offsets as a string")
st("negative-offset.safetensors", {"a": t(offsets=(-8, 0))}, Z8, "invalid", "tensors['a'].data_offsets",
   "negative offset")
st("unknown-dtype.safetensors", {"a": t(dtype="F128")}, Z8, "invalid", "tensors['a'].dtype", "dtype F128")
st("lowercase-dtype.safetensors", {"a": t(dtype="f32")}, Z8, "invalid", "tensors['a'].dtype", "dtype f32")
st("dtype-not-string.safetensors", {"a": {"dtype": 4, "shape": [2], "data_offsets": [0, 8]}}, Z8, "invalid",
   "tensors['a'].dtype", "dtype is a number")
st("missing-dtype.safetensors", {"a": {"shape": [2], "data_offsets": [0, 8]}}, Z8, "invalid", "tensors['a'].dtype",
   "no dtype")
st("missing-shape.safetensors", {"a": {"dtype": "F32", "data_offsets": [0, 8]}}, Z8, "invalid", "tensors['a'].shape",
   "no shape")
st("missing-offsets.safetensors", {"a": {"dtype": "F32", "shape": [2]}}, Z8, "invalid", "tensors['a'].data_offsets",
   "no data_offsets")
st("tensor-not-object.safetensors", {"a": 3}, b"", "invalid", "tensors['a']", "tensor entry is a number")
st("duplicate-tensor.safetensors", b'{"a":' + json.dumps(t()).encode() + b',"a":' + json.dumps(t()).encode() + b"}",
   Z8, "duplicate", "header key", "tensor 'a' twice (the reference keeps the last)")
st("duplicate-metadata-block.safetensors", b'{"__metadata__":{"k":"v"},"__metadata__":{"k":"w"}}', b"", "duplicate",
   "header key", "two __metadata__ objects")
st("duplicate-metadata-key.safetensors", b'{"__metadata__":{"k":"v","k":"w"}}', b"", "duplicate", "__metadata__ key",
   "metadata key 'k' twice")
st("duplicate-field.safetensors", b'{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}', Z8,
   "duplicate", "tensors['a'] key", "dtype given twice")
st("metadata-int.safetensors", {"__metadata__": {"x": 1}}, b"", "invalid", "__metadata__['x']", "metadata value 1")
st("metadata-nested.safetensors", {"__metadata__": {"x": {"y": "z"}}}, b"", "invalid", "__metadata__['x']",
   "metadata value is an object")
st("metadata-array.safetensors", {"__metadata__": ["x"]}, b"", "invalid", "__metadata__", "metadata is an array")


def reference_verdict(data):
    try:
        from safetensors import deserialize
    except ImportError:
        return None
    try:
        deserialize(data)
        return "accepted"
    except Exception:
        return "refused"


def main():
    manifest = []
    for name, data, error, field, note in CASES:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        entry = {"file": name, "error": error, "field": field, "note": note}
        verdict = reference_verdict(data)
        if verdict is not None:
            entry["reference"] = verdict
        manifest.append(entry)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{len(manifest)} malformed files")


if __name__ == "__main__":
    main()
