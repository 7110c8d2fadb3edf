#!/usr/bin/env python3
"""Test peer: read a GGUF file with gguf-py (0.19.0) and print what it sees as JSON.

Usage: .venv-peers/bin/python Fixtures/gguf/peer_read.py FILE.gguf
Output: {"version": int, "alignment": int,
         "metadata": [{"key", "type", "sub_type" (arrays only), "value": str | [str]}],   file order
         "tensors":  [{"name", "type", "shape" (row-major), "offset", "values": [float]}]}
Scalars are printed as strings (ints exactly; floats by repr of the double they widen to) so no
JSON parser can round them. Tensor values are gguf.quants.dequantize of the stored data.
"""
import json
import sys

import numpy as np
import gguf
from gguf.quants import dequantize


def scalar(v, t):
    if t == gguf.GGUFValueType.BOOL:
        return "true" if bool(v) else "false"
    if t in (gguf.GGUFValueType.FLOAT32, gguf.GGUFValueType.FLOAT64):
        return repr(float(v))
    if t == gguf.GGUFValueType.STRING:
        return v
    return str(int(v))


def main(path):
    r = gguf.GGUFReader(path)
    meta = []
    for name, f in r.fields.items():
        if name.startswith("GGUF."):
            continue
        t = f.types[0]
        item = {"key": name, "type": t.name}
        if t == gguf.GGUFValueType.ARRAY:
            st = f.types[-1]
            item["sub_type"] = st.name
            item["value"] = [scalar(x, st) for x in f.contents()]
        else:
            item["value"] = scalar(f.contents(), t)
        meta.append(item)
    tensors = []
    for t in r.tensors:
        vals = dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32).reshape(-1)
        tensors.append({
            "name": t.name, "type": t.tensor_type.name,
            "shape": [int(x) for x in reversed(list(t.shape))],
            "offset": int(t.data_offset), "values": [float(x) for x in vals],
        })
    out = {"version": int(r.fields["GGUF.version"].parts[-1][0]), "alignment": int(r.alignment),
           "metadata": meta, "tensors": tensors}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
