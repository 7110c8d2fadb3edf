#!/usr/bin/env python3
"""Benchmark peer for `allone-bench gguf`: gguf-py (0.19.0) + numpy doing the same work as Swift.

Usage: python bench/peer_gguf_dequant.py MODEL.gguf REPEATS
Times (best of REPEATS): opening with GGUFReader, and dequantizing every tensor to a Float32
numpy array with gguf.quants.dequantize (wall clock, and the process's CPU time, which is less
disturbed by other load on the machine). Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
import gguf
from gguf.quants import dequantize


def main(path, repeats):
    open_s = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = gguf.GGUFReader(path)
        open_s.append(time.perf_counter() - t0)
    deq_s = []
    deq_cpu = []
    elements = 0
    total = 0.0
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        elements = 0
        for t in r.tensors:
            x = dequantize(np.asarray(t.data), t.tensor_type)
            if x.dtype != np.float32:
                x = x.astype(np.float32)
            elements += x.size
        deq_s.append(time.perf_counter() - t0)
        deq_cpu.append(time.process_time() - c0)
        total = float(x.reshape(-1)[0])
    print(json.dumps({"open_s": min(open_s), "dequant_s": min(deq_s), "dequant_cpu_s": min(deq_cpu), "elements": elements,
                      "tensors": len(r.tensors), "numpy": np.__version__, "last": total}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
