#!/usr/bin/env python3
"""Test peer for compressed checkpoints and their dense export.

usage: peer_check.py COMPRESSED EXPORTED.gguf [SOURCE.gguf]

Independently of the Swift code: parses COMPRESSED's safetensors header by hand (plain file only),
checks every stored tensor's SHA-256 (hashlib) against the manifest, rebuilds each original tensor
in numpy float64 from the stored factors (A @ B for low-rank, the TT cores contracted, permuted
and cropped for TT), and compares with the tensors gguf-py reads from EXPORTED (an F32 export):
max relative difference must be below 1e-5 of the tensor's largest magnitude. With SOURCE, also
checks that every metadata key of the source GGUF (tokenizer arrays included) is in EXPORTED with
the same value. Prints one JSON line; exits 1 on any mismatch."""
import hashlib, json, struct, sys
import numpy as np


def read_compressed(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__")
    data = raw[8 + n:]
    stored = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        stored[name] = (info["dtype"], info["shape"], data[b:e])
    return json.loads(meta["allone.manifest"]), stored


def decode(dtype, shape, b):
    if dtype == "F32":
        a = np.frombuffer(b, dtype="<f4")
    elif dtype == "F16":
        a = np.frombuffer(b, dtype="<f2").astype(np.float32)
    elif dtype == "BF16":
        a = (np.frombuffer(b, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    else:
        raise ValueError(dtype)
    return a.astype(np.float64).reshape(shape)


def tt_dense(cores, m, n):
    t = cores[0][0]  # (m1, n1, r1)
    for g in cores[1:]:
        a, b, r = t.shape
        _, c, d, s = g.shape
        t = np.einsum("abr,rcds->acbds", t, g).reshape(a * c, b * d, s)
    return t[:, :, 0][:m, :n]


def main():
    comp, exported = sys.argv[1], sys.argv[2]
    manifest, stored = read_compressed(comp)
    problems = []
    for e in manifest["tensors"]:
        for s in e["stored"]:
            h = hashlib.sha256(stored[s["name"]][2]).hexdigest()
            if h != s["sha256"]:
                problems.append(f"{s['name']}: sha256 {h} != manifest {s['sha256']}")
    import gguf
    r = gguf.GGUFReader(exported)
    got = {t.name: np.asarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float64)
           .reshape([int(x) for x in reversed(t.shape.tolist())]) for t in r.tensors}
    worst = 0.0
    layouts = {}
    for e in manifest["tensors"]:
        parts = [decode(*stored[s["name"]]) for s in e["stored"]]
        layouts[e["layout"]] = layouts.get(e["layout"], 0) + 1
        if e["layout"] == "dense":
            want = parts[0]
        elif e["layout"] == "lowrank":
            want = parts[0] @ parts[1]
        else:
            want = tt_dense(parts, *e["originalShape"])
        g = got.get(e["name"])
        if g is None or list(g.shape) != list(want.shape):
            problems.append(f"{e['name']}: missing or shape {None if g is None else g.shape} vs {want.shape}")
            continue
        scale = max(float(np.max(np.abs(want))), 1e-30)
        d = float(np.max(np.abs(g - want))) / scale
        worst = max(worst, d)
        if d > 1e-5:
            problems.append(f"{e['name']}: relative difference {d}")
    if len(got) != len(manifest["tensors"]):
        problems.append(f"export has {len(got)} tensors, manifest {len(manifest['tensors'])}")
    keys_checked = 0
    if len(sys.argv) > 3:
        src = gguf.GGUFReader(sys.argv[3])
        def val(f):
            if f.types and f.types[0] == gguf.GGUFValueType.ARRAY:
                return [bytes(f.parts[i]).hex() for i in f.data]
            return [bytes(f.parts[i]).hex() for i in f.data]
        for k, f in src.fields.items():
            if k.startswith("GGUF.") or k in ("general.file_type", "general.alignment"):
                continue
            g = r.fields.get(k)
            keys_checked += 1
            if g is None or val(g) != val(f) or g.types != f.types:
                problems.append(f"metadata {k} differs or is missing")
    print(json.dumps({"tensors": len(manifest["tensors"]), "layouts": layouts, "max_rel_diff": worst,
                      "metadata_keys_checked": keys_checked, "problems": problems[:10]}))
    sys.exit(1 if problems else 0)


main()
