#!/usr/bin/env python3
"""qulacs side of `allone-bench quantum`: reads the circuit JSON written by the Swift side
({"qubits": n, "gates": [{"g": name, "q": [...], "p": [...]}]}), applies it gate by gate to a fresh
QuantumState (single thread: run with OMP_NUM_THREADS=1), best of --repeats, and prints one JSON line:
{"qubits", "gates", "seconds", "ipr"} with ipr = 2^n * sum |psi_i|^4 of the final state (a checksum
that differs between circuits; about 2 for Porter-Thomas statistics).

qulacs' RotX/RotY/RotZ use the standard exp(-i theta/2 sigma) convention (RX/RY/RZ are the opposite sign).
"""
import json
import sys
import time

from qulacs import QuantumState
from qulacs import gate as G


def build(spec):
    n = spec["qubits"]
    out = []
    for g in spec["gates"]:
        name, q, p = g["g"], g["q"], g["p"]
        if name == "h":
            out.append(G.H(q[0]))
        elif name == "x":
            out.append(G.X(q[0]))
        elif name == "t":
            out.append(G.T(q[0]))
        elif name == "sx":
            out.append(G.sqrtX(q[0]))
        elif name == "rx":
            out.append(G.RotX(q[0], p[0]))
        elif name == "ry":
            out.append(G.RotY(q[0], p[0]))
        elif name == "rz":
            out.append(G.RotZ(q[0], p[0]))
        elif name == "cx":
            out.append(G.CNOT(q[0], q[1]))
        elif name == "cz":
            out.append(G.CZ(q[0], q[1]))
        else:
            raise SystemExit(f"unknown gate {name}")
    return n, out


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    spec = json.load(open(path))
    n, gates = build(spec)
    best = float("inf")
    z0 = 0.0
    for _ in range(repeats):
        state = QuantumState(n)
        t0 = time.perf_counter()
        for g in gates:
            g.update_quantum_state(state)
        t1 = time.perf_counter()
        best = min(best, t1 - t0)
        v = state.get_vector()
        z0 = float((abs(v) ** 4).sum() * (1 << n))
    print(json.dumps({"qubits": n, "gates": len(gates), "seconds": best, "ipr": z0}))


if __name__ == "__main__":
    main()
