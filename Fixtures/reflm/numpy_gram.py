#!/usr/bin/env python3
"""Golden activation statistics for stories260K: Gram matrices Σ xᵀx and mean |x| of the inputs of
every linear layer over the fixed sequence tokens.i32 (one window, float64 forward).
Writes gram.<site>.f64 / mean_abs.<site>.f64 (little-endian float64) for a few sites.
Run after numpy_forward.py: /work/main/.venv-peers/bin/python Fixtures/reflm/numpy_gram.py [SHARED_DIR]"""
import os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_forward as nf

SITES = ['blk.0.attn_qkv', 'blk.2.attn_output', 'blk.3.ffn_gate_up', 'blk.4.ffn_down', 'output']

def main():
    cfg, w = nf.load_model(nf.MODEL)
    tokens = np.fromfile(os.path.join(nf.HERE, 'tokens.i32'), dtype='<i4').tolist()
    taps = {}
    nf.forward(cfg, w, tokens, np.float64, taps)
    for s in SITES:
        x = taps[s]
        (x.T @ x).astype('<f8').tofile(os.path.join(nf.HERE, f'gram.{s}.f64'))
        np.abs(x).mean(axis=0).astype('<f8').tofile(os.path.join(nf.HERE, f'mean_abs.{s}.f64'))
    print('wrote', SITES)

if __name__ == '__main__':
    main()
