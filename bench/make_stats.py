#!/usr/bin/env python3
"""Writes activation statistics for a GGUF Llama model in the runtime's layout (docs/FORMAT.md,
"Calibration statistics files"), from SYNTHETIC activations: for every site, X = Z·M with Z Gaussian
(T × n) and M = I + 0.3·Gaussian/√n (seeded), so G = XᵀX is full-rank and correlated like real
activations. Used only to time `compress --method masvd` where the runtime cannot yet run the
model (GGUF): the timing of the algorithm does not depend on where G came from.

usage: make_stats.py MODEL.gguf OUT.safetensors [TOKENS]"""
import sys
import numpy as np
import gguf
from safetensors.numpy import save_file

model, out = sys.argv[1], sys.argv[2]
T = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
r = gguf.GGUFReader(model)
widths = {}
for t in r.tensors:
    parts = t.name.split(".")
    if parts[0] != "blk":
        continue
    n = int(t.shape[0])  # ne[0] = input width
    site = {"attn_q": "attn_qkv", "attn_k": "attn_qkv", "attn_v": "attn_qkv", "attn_output": "attn_output",
            "ffn_gate": "ffn_gate_up", "ffn_up": "ffn_gate_up", "ffn_down": "ffn_down"}.get(parts[2])
    if site:
        widths[f"blk.{parts[1]}.{site}"] = n
rng = np.random.default_rng(0)
tensors = {}
for key in sorted(widths):
    n = widths[key]
    m = np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal((T, n)) @ m
    tensors[key + ".gram"] = x.T @ x
    tensors[key + ".mean_abs"] = np.abs(x).mean(axis=0)
    tensors[key + ".tokens"] = np.array([T], dtype=np.int64)
save_file(tensors, out, metadata={"format": "allone-activation-stats", "tokens": str(T), "text": "synthetic"})
print(f"{len(widths)} sites, {T} tokens -> {out}")
