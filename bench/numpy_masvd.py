#!/usr/bin/env python3
"""Baseline for `allone-bench compress`: a straightforward numpy/scipy implementation of the same
algorithm as `allone-compress compress --method masvd --allocate uniform --ratio R`:
pass 1 whitened spectra σ(W L) (G = L Lᵀ, Cholesky, with the same smallest-diagonal-shift fallback
in spirit: 1e-12·mean(diag G)·10^j until it factors), uniform ranks k = ⌊(1 − R)·mn/(m + n)⌋ (dense
when k exceeds the break-even rank), pass 2 whitened SVD again, A = U_k Σ_k^½, B = Σ_k^½ V_kᵀ L⁻¹,
then every tensor written to one safetensors file (F32). Weights are dequantized with gguf-py.
Float64 SVD (LAPACK gesdd via numpy), as the Swift code. Prints one JSON line with the wall time.
The statistics file is an input (recorded beforehand by `allone-compress calibrate`; both sides
read the same file, neither pays for calibration).

usage: numpy_masvd.py MODEL.gguf STATS.safetensors OUT.safetensors RATIO"""
import json, sys, time
import numpy as np
import scipy.linalg
import gguf
from safetensors.numpy import load_file, save_file

t0 = time.time()
model, stats_path, out, ratio = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
reader = gguf.GGUFReader(model)
stats = load_file(stats_path)
SITE = {"attn_q": "attn_qkv", "attn_k": "attn_qkv", "attn_v": "attn_qkv", "attn_output": "attn_output",
        "ffn_gate": "ffn_gate_up", "ffn_up": "ffn_gate_up", "ffn_down": "ffn_down"}


def weight(t):
    a = gguf.quants.dequantize(t.data, t.tensor_type)
    return np.asarray(a, dtype=np.float32).reshape([int(x) for x in reversed(t.shape.tolist())])


def site(name):
    p = name.split(".")
    return f"blk.{p[1]}.{SITE[p[2]]}" if p[0] == "blk" and p[2] in SITE else None


def cholesky(g):
    try:
        return np.linalg.cholesky(g)
    except np.linalg.LinAlgError:
        scale = np.mean(np.abs(np.diag(g)))
        lam = 1e-12 * scale
        while True:
            try:
                return np.linalg.cholesky(g + lam * np.eye(len(g)))
            except np.linalg.LinAlgError:
                lam *= 10


linears = [t for t in reader.tensors if site(t.name) and len(t.shape) == 2]
# pass 1: spectra (kept for the allocation; uniform ranks only need the shapes, but the algorithm
# computes them, as the Swift pipeline does)
spectra = {}
for t in linears:
    w = weight(t).astype(np.float64)
    l = cholesky(stats[site(t.name) + ".gram"])
    spectra[t.name] = np.linalg.svd(w @ l, compute_uv=False)
# allocation (uniform)
ranks = {}
for t in linears:
    m, n = [int(x) for x in reversed(t.shape.tolist())]
    k = int(np.floor((1 - ratio) * m * n / (m + n)))
    k = max(1, min(k, min(m, n)))
    ranks[t.name] = None if k > (m * n - 1) // (m + n) else k
# pass 2: factors
outt = {}
for t in reader.tensors:
    w = weight(t)
    k = ranks.get(t.name)
    if k is None:
        outt[t.name] = np.ascontiguousarray(w, dtype=np.float32)
        continue
    l = cholesky(stats[site(t.name) + ".gram"])
    u, s, vt = np.linalg.svd(w.astype(np.float64) @ l, full_matrices=False)
    root = np.sqrt(s[:k])
    a = u[:, :k] * root
    b = scipy.linalg.solve_triangular(l, (root[:, None] * vt[:k]).T, lower=True, trans="T").T  # (root Vᵀ) L⁻¹
    outt[t.name + ".lr.a"] = a.astype(np.float32)
    outt[t.name + ".lr.b"] = b.astype(np.float32)
save_file(outt, out)
print(json.dumps({"seconds": time.time() - t0, "factored": sum(1 for v in ranks.values() if v), "tensors": len(outt)}))
