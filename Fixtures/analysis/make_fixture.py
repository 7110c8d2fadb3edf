#!/usr/bin/env python3
"""Independent reference for `allone-compress analyze` on stories260K: for every block linear
matrix, numpy's singular values → von Neumann entropy of p = s²/Σs², effective rank
exp(H(s/Σs)) (Roy & Vetterli 2007), stable rank Σs²/s₁². Writes stories260K_spectra.json.
usage: make_fixture.py ../shared/models/stories260K/stories260K.bin"""
import json, os, sys
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "export"))
from importlib import util
spec = util.spec_from_file_location("peer", os.path.join(os.path.dirname(__file__), "..", "export", "peer_check.py"))
src = open(spec.origin).read().replace("\nmain()\n", "\n")
ns = {}
exec(compile(src, spec.origin, "exec"), ns)
tensors = ns["llama2c_tensors"](sys.argv[1])
out = {}
for name, w in tensors.items():
    if w.ndim != 2 or name.startswith(("token_embd", "output")):
        continue
    s = np.linalg.svd(w.astype(np.float64), compute_uv=False)
    p = s**2 / np.sum(s**2)
    q = s / np.sum(s)
    H = -np.sum(p[p > 0] * np.log(p[p > 0]))
    erank = np.exp(-np.sum(q[q > 0] * np.log(q[q > 0])))
    out[name] = {"entropy": H, "effective_rank": erank, "stable_rank": float(np.sum(s**2) / s[0]**2), "sigma_max": float(s[0])}
json.dump(out, open(os.path.join(os.path.dirname(__file__), "stories260K_spectra.json"), "w"), indent=1, sort_keys=True)
print(len(out), "matrices")
