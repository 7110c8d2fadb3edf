import TensorCore
import Foundation
import QuantumBackend

/// The committed set of circuits whose emitted OpenQASM files Qiskit reads in
/// `Fixtures/quantum/make_fixtures.py`.
enum FixtureCircuits {
    static func all() throws -> [(name: String, circuit: Circuit)] {
        var out: [(String, Circuit)] = []
        var bell = Circuit(qubits: 2, clbits: 2)
        try bell.h(0); try bell.cx(0, 1); try bell.measure(0, 0); try bell.measure(1, 1)
        out.append(("bell", bell))

        var ghz = Circuit(qubits: 5, clbits: 5)
        try ghz.h(0)
        for q in 1..<5 { try ghz.cx(q - 1, q) }
        try ghz.append(.barrier([0, 1, 2, 3, 4]))
        try ghz.append(.delay(DelayDuration(100, .ns), [2]))
        try ghz.measureAll()
        out.append(("ghz5", ghz))

        var qft = Circuit(qubits: 4)
        try qft.x(0); try qft.x(2)
        for j in stride(from: 3, through: 0, by: -1) {
            try qft.h(j)
            for k in stride(from: j - 1, through: 0, by: -1) { try qft.apply(.cp(Parameter(Double.pi / Double(1 << (j - k)))), k, j) }
        }
        try qft.apply(.swap, 0, 3); try qft.apply(.swap, 1, 2)
        out.append(("qft4_on_5", qft))

        var rng = SplitMix64(seed: 2024)
        var every = Circuit(qubits: 3)
        for q in 0..<3 { try every.apply(.ry(Parameter(0.3 + 0.4 * Double(q))), q); try every.apply(.rz(Parameter(0.2 * Double(q) - 0.5)), q) }
        for g in QT.allGates(&rng) { try every.apply(g, on: Array(0..<g.arity).map { ($0 + 1) % 3 }) }
        out.append(("every_gate3", every))

        out.append(("random6", try QT.randomCircuit(qubits: 6, gates: 60, seed: 99)))
        out.append(("random4_cliffordT", try QT.randomCircuit(qubits: 4, gates: 80, seed: 5, kinds: [.h, .s, .t, .cx, .cz, .x, .sdg, .tdg])))
        // Transpiled circuits: Qiskit also checks the native-gate output (ecr, gpi, gpi2, ms definitions).
        let r4 = try QT.randomCircuit(qubits: 4, gates: 30, seed: 123)
        out.append(("random4_heron", try Transpiler.transpile(r4, to: .ibmHeron)))
        out.append(("random4_eagle", try Transpiler.transpile(r4, to: .ibmEagle)))
        out.append(("random4_ionq", try Transpiler.transpile(r4, to: .ionq)))
        return out
    }
}
