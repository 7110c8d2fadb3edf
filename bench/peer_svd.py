#!/usr/bin/env python3
"""Peer side of `allone-bench svd`: times numpy / scipy / TensorLy on the matrices the Swift side wrote.

Usage: peer_svd.py DIR REPEATS   (DIR/manifest.json lists the tasks; prints one JSON object on stdout)
Thread count comes from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set by the caller (same as the Swift side).
Timing: one warm-up call, then the best of REPEATS wall-clock runs (time.perf_counter).
"""
import json, os, sys, time
import numpy as np
import scipy.linalg as sla

def best(fn, repeats):
    fn()
    t = float("inf")
    for _ in range(repeats):
        s = time.perf_counter(); fn(); t = min(t, time.perf_counter() - s)
    return t

def load(d, item):
    return np.fromfile(os.path.join(d, item["file"]), dtype="<f4").reshape(item["rows"], item["columns"])

def rsvd(a, k, p, q, seed):
    # Halko–Martinsson–Tropp 2011, the same steps as the Swift side (QR re-orthonormalisation).
    rng = np.random.default_rng(seed)
    om = rng.standard_normal((a.shape[1], min(k + p, min(a.shape)))).astype(a.dtype)
    qm, _ = np.linalg.qr(a @ om)
    for _ in range(q):
        z, _ = np.linalg.qr(a.T @ qm)
        qm, _ = np.linalg.qr(a @ z)
    u, s, vt = np.linalg.svd(qm.T @ a, full_matrices=False)
    return (qm @ u)[:, :k], s[:k], vt[:k]

def main():
    d, repeats = sys.argv[1], int(sys.argv[2])
    man = json.load(open(os.path.join(d, "manifest.json")))
    out = {"numpy": np.__version__, "scipy": __import__("scipy").__version__, "svd": [], "rsvd": [], "tt": []}
    for item in man["svd"]:
        a = load(d, item)
        out["svd"].append({"name": item["name"],
            "numpy_s": best(lambda: np.linalg.svd(a, full_matrices=False), repeats),
            "scipy_s": best(lambda: sla.svd(a, full_matrices=False, lapack_driver="gesdd", check_finite=False), repeats),
            "numpy_values_s": best(lambda: np.linalg.svd(a, compute_uv=False), repeats),
            "scipy_values_s": best(lambda: sla.svdvals(a, check_finite=False), repeats)})
    for item in man["rsvd"]:
        a = load(d, item)
        k, p, q = item["rank"], item["oversampling"], item["power"]
        t = best(lambda: rsvd(a, k, p, q, 0), repeats)
        u, s, vt = rsvd(a, k, p, q, 0)
        err = float(np.linalg.norm(a.astype(np.float64) - (u * s) @ vt) / np.linalg.norm(a.astype(np.float64)))
        out["rsvd"].append({"name": item["name"], "rank": k, "numpy_s": t, "numpy_rel_error": err})
    try:
        import tensorly as tl
        from tensorly.decomposition import tensor_train_matrix
        out["tensorly"] = tl.__version__
        for item in man["tt"]:
            a = load(d, item)
            rf, cf, rank = item["row_factors"], item["column_factors"], item["ranks"]
            t4 = a.reshape(rf + cf)
            t = best(lambda: tensor_train_matrix(t4, rank=rank), repeats)
            f = tensor_train_matrix(t4, rank=rank)
            dense = tl.tt_matrix_to_tensor(f).reshape(a.shape)
            err = float(np.linalg.norm(a - dense) / np.linalg.norm(a))
            out["tt"].append({"name": item["name"], "tensorly_s": t, "tensorly_rel_error": err,
                              "tensorly_ranks": [int(r) for r in f.rank]})
    except ImportError as e:
        out["tensorly_missing"] = str(e)
    json.dump(out, sys.stdout)

if __name__ == "__main__":
    main()
