#!/usr/bin/env python3
"""Independent reference values for the engine tests (LinearAlgebra, Decomposition, Analysis).

Run once and commit the output (the peer venv has numpy/scipy; the committed file was made with
/work/venvs/engine/bin/python, the same numpy 2.4 plus tensorly 0.10.0, so it holds the TensorLy entry too):
    /work/main/.venv-peers/bin/python Fixtures/engine/make_fixtures.py
Writes Fixtures/engine/engine_fixtures.json (small; float64 values as JSON numbers, uint64 as strings).
TensorLy values are included when `tensorly` imports (optional: /work/venvs/engine has it).
"""
import json, os
import numpy as np
import scipy.linalg as sla

rng = np.random.default_rng(20261126)
out = {}

# 1. Thin SVD of a small matrix: numpy (LAPACK gesdd) and scipy singular values.
a = rng.standard_normal((6, 4))
out["svd"] = {"rows": 6, "columns": 4, "values": a.ravel().tolist(),
              "singular_values": np.linalg.svd(a, compute_uv=False).tolist(),
              "scipy_singular_values": sla.svd(a, compute_uv=False, lapack_driver="gesvd").tolist()}

# 2. SplitMix64-seeded xoshiro256** and its first draws, written from the published reference code.
M64 = (1 << 64) - 1
def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)
def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64
def xoshiro_stream(seed, n):
    st, s = seed, []
    for _ in range(4):
        st, z = splitmix(st); s.append(z)
    res = []
    for _ in range(n):
        r = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
        res.append(r)
    return res
out["rng"] = {"seed": 42, "first": [str(v) for v in xoshiro_stream(42, 6)]}

# 3. Measurement-aware (whitened) SVD, SVD-LLM: G = XᵀX, G = S Sᵀ, SVD of W S.
m, n, t, k = 5, 6, 20, 2
W = rng.standard_normal((m, n))
X = rng.standard_normal((t, n)) * np.array([3.0, 1.0, 0.5, 2.0, 0.1, 1.5])
G = X.T @ X
S = np.linalg.cholesky(G)
U, s, Vt = np.linalg.svd(W @ S, full_matrices=False)
A = U[:, :k] * np.sqrt(s[:k])
B = (np.sqrt(s[:k])[:, None] * Vt[:k]) @ np.linalg.inv(S)
err = np.linalg.norm((W - A @ B) @ X.T) ** 2
out["whitened"] = {"m": m, "n": n, "samples": t, "rank": k, "w": W.ravel().tolist(), "x": X.ravel().tolist(),
                   "whitened_singular_values": s.tolist(), "discarded_energy": float(np.sum(s[k:] ** 2)),
                   "output_error": float(err), "reconstruction": (A @ B).ravel().tolist()}
# ASVD diagonal scaling: S = diag(mean|x|)^alpha.
alpha = 0.5
d = np.mean(np.abs(X), axis=0) ** alpha
U2, s2, Vt2 = np.linalg.svd(W * d[None, :], full_matrices=False)
A2 = U2[:, :k] * np.sqrt(s2[:k]); B2 = (np.sqrt(s2[:k])[:, None] * Vt2[:k]) / d[None, :]
out["asvd"] = {"alpha": alpha, "mean_abs": np.mean(np.abs(X), axis=0).tolist(),
               "scaled_singular_values": s2.tolist(), "reconstruction": (A2 @ B2).ravel().tolist()}

# 4. Spectral statistics of a fixed spectrum.
sig = np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.25])
p = sig ** 2 / np.sum(sig ** 2)
q = sig / np.sum(sig)
out["spectrum"] = {"singular_values": sig.tolist(),
                   "spectral_entropy": float(-np.sum(p * np.log(p))),
                   "effective_rank": float(np.exp(-np.sum(q * np.log(q)))),
                   "stable_rank": float(np.sum(sig ** 2) / sig[0] ** 2),
                   "energy": [float(np.sum(sig[:r] ** 2) / np.sum(sig ** 2)) for r in range(0, 7)]}

# 5. TT-SVD (Oseledets 2011, Alg. 1), written here in numpy independently of the Swift code.
def tt_svd(x, eps=None, max_rank=None):
    shape = x.shape; d = len(shape)
    delta = eps / np.sqrt(d - 1) * np.linalg.norm(x) if eps is not None else 0.0
    cores, r, c = [], 1, x.copy()
    for kk in range(d - 1):
        c = c.reshape(r * shape[kk], -1)
        u, sv, vt = np.linalg.svd(c, full_matrices=False)
        tail = np.sqrt(np.cumsum((sv ** 2)[::-1]))[::-1]  # tail[i] = ‖sv[i:]‖
        rk = len(sv)
        for i in range(1, len(sv) + 1):
            rest = tail[i] if i < len(sv) else 0.0
            if rest <= delta: rk = i; break
        if max_rank is not None: rk = min(rk, max_rank)
        cores.append(u[:, :rk].reshape(r, shape[kk], rk))
        c = sv[:rk, None] * vt[:rk]
        r = rk
    cores.append(c.reshape(r, shape[-1], 1))
    return cores
def tt_full(cores):
    res = cores[0]
    for g in cores[1:]:
        res = np.tensordot(res, g, axes=([-1], [0]))
    return res.reshape(res.shape[1:-1])
T = rng.standard_normal((4, 3, 5, 2))
tt = {}
for eps in (0.3, 0.1):
    cores = tt_svd(T, eps=eps)
    tt[str(eps)] = {"ranks": [1] + [c.shape[2] for c in cores],
                    "relative_error": float(np.linalg.norm(T - tt_full(cores)) / np.linalg.norm(T))}
cores = tt_svd(T, max_rank=2)
tt["max_rank_2"] = {"ranks": [1] + [c.shape[2] for c in cores],
                    "relative_error": float(np.linalg.norm(T - tt_full(cores)) / np.linalg.norm(T))}
out["tt"] = {"shape": list(T.shape), "values": T.ravel().tolist(), "numpy": tt}
try:
    import tensorly as tl
    from tensorly.decomposition import tensor_train
    f = tensor_train(T, rank=[1, 2, 2, 2, 1])
    out["tt"]["tensorly_max_rank_2"] = {"ranks": list(f.rank),
        "relative_error": float(np.linalg.norm(T - tl.tt_to_tensor(f)) / np.linalg.norm(T))}
except ImportError:
    pass

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "engine_fixtures.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", path)
