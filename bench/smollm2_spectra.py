#!/usr/bin/env python3
"""Preview of the layer study on SmolLM2-135M with an independent numpy implementation (no Swift involved).

Usage: .venv-peers/bin/python bench/smollm2_spectra.py [GGUF] [--json OUT]
Dequantizes every linear weight of the Q4_1 GGUF with gguf-py, takes its singular values (numpy, float64) and
reports, per layer and per kind, the share of the "compressible mass" (parameters saved by the smallest rank
keeping 1 − τ of the energy Σσ², zero past break-even; the definition of MatrixReport.compressibleMass) for
several τ, plus mean Roy–Vetterli effective rank / min(m, n). Plain spectra (no calibration, so not whitened);
Q4_1 rounding adds a noise floor to the tail of every spectrum.
"""
import json, sys
import numpy as np
import gguf

path = next((a for a in sys.argv[1:] if a.endswith(".gguf")), "Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf")
out_json = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
kinds = {"attn_q": "q", "attn_k": "k", "attn_v": "v", "attn_output": "o", "ffn_gate": "gate", "ffn_up": "up", "ffn_down": "down"}
taus = [0.05, 0.1, 0.2, 0.3]
reader = gguf.GGUFReader(path)
rows = []
for t in reader.tensors:
    parts = t.name.split(".")
    if len(parts) != 4 or parts[0] != "blk" or parts[2] not in kinds:
        continue
    w = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
    m, n = w.shape
    s = np.linalg.svd(w, compute_uv=False)
    e = s ** 2; tot = e.sum(); cum = np.cumsum(e) / tot
    q = s / s.sum(); erank = float(np.exp(-(q[q > 0] * np.log(q[q > 0])).sum()))
    mass = {}
    for tau in taus:
        k = int(np.searchsorted(cum, 1 - tau - 1e-12) + 1)
        mass[tau] = max(0, m * n - k * (m + n))
    rows.append({"layer": int(parts[1]), "kind": kinds[parts[2]], "rows": m, "columns": n,
                 "singular_values": s.tolist(), "effective_rank_ratio": erank / min(m, n), "mass": mass})
if out_json:
    json.dump(rows, open(out_json, "w"))
print(f"{len(rows)} matrices from {path}")
for tau in taus:
    total = sum(r["mass"][tau] for r in rows)
    by_layer = {}
    for r in rows: by_layer[r["layer"]] = by_layer.get(r["layer"], 0) + r["mass"][tau]
    top = sorted(by_layer.items(), key=lambda kv: -kv[1])[:3]
    share0 = by_layer.get(0, 0) / total if total else 0
    params = sum(r["rows"] * r["columns"] for r in rows)
    print(f"tau={tau}: compressible mass {total} of {params} params ({total / params:.1%}); layer 0 share {share0:.1%}; "
          f"top layers " + ", ".join(f"{l}: {v / total:.1%}" for l, v in top))
    by_kind = {}
    for r in rows: by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + r["mass"][tau]
    print("   by kind: " + ", ".join(f"{k} {v / total:.1%}" for k, v in by_kind.items()))
er = {}
for r in rows: er.setdefault(r["layer"], []).append(r["effective_rank_ratio"])
print("mean effective-rank ratio by layer: " + " ".join(f"{l}:{np.mean(v):.2f}" for l, v in sorted(er.items())))
