#!/usr/bin/env python3
"""Peer fixtures for QuantumBackend's OpenQASM emitters.

Run once (needs qiskit and qiskit-qasm3-import; the Swift tests never need them):

    /work/venvs/quantum/bin/pip install qiskit qiskit-qasm3-import
    /work/venvs/quantum/bin/python Fixtures/quantum/make_fixtures.py

For every emitted file Fixtures/quantum/qasm/NAME.qasm3 / NAME.qasm2 (written by the Swift test
`emittedFilesMatchCommittedFixtures` with ALLONE_REGENERATE_QUANTUM_FIXTURES=1), parse it with
`qiskit.qasm3.loads` / `qiskit.qasm2.loads`, drop measurements, barriers and delays, compute
`Statevector` and store the amplitudes as NAME.EXT.amps.json ([re, im] per basis index, Qiskit's
little-endian order, the same as QuantumBackend's).
"""
import json
import pathlib

import qiskit
import qiskit.qasm2
import qiskit.qasm3
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

HERE = pathlib.Path(__file__).resolve().parent / "qasm"


def unitary_part(qc: QuantumCircuit) -> QuantumCircuit:
    out = QuantumCircuit(qc.num_qubits)
    for inst in qc.data:
        if inst.operation.name in ("measure", "barrier", "delay"):
            continue
        out.append(inst.operation, [qc.find_bit(q).index for q in inst.qubits])
    out.global_phase = qc.global_phase
    return out


def main() -> None:
    files = sorted(list(HERE.glob("*.qasm3")) + list(HERE.glob("*.qasm2")))
    for f in files:
        text = f.read_text()
        qc = qiskit.qasm3.loads(text) if f.suffix == ".qasm3" else qiskit.qasm2.loads(text)
        sv = Statevector(unitary_part(qc))
        amps = [[float(a.real), float(a.imag)] for a in sv.data]
        out = {"name": f.stem, "version": f.suffix[1:], "qiskit": qiskit.__version__, "amplitudes": amps}
        f.with_name(f.name + ".amps.json").write_text(json.dumps(out) + "\n")
        print(f"{f.name}: {qc.num_qubits} qubits, {len(qc.data)} instructions")


if __name__ == "__main__":
    main()
