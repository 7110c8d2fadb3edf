import TensorCore
import Testing
import TestSupport
import QuantumBackend

@Suite("Transpiler")
struct TranspilerTests {
    let sim = StateVectorSimulator()

    /// Seeded random circuits over every gate kind: each transpiled circuit uses only native gates
    /// and has the same state up to global phase.
    @Test(arguments: NativeGateSet.allCases)
    func randomCircuitsStayEqual(_ target: NativeGateSet) throws {
        for seed in 0..<12 as Range<UInt64> {
            let c = try QT.randomCircuit(qubits: 4, gates: 30, seed: 1000 + seed)
            let t = try Transpiler.transpile(c, to: target)
            #expect(Set(t.gateCounts.keys).isSubset(of: target.gateNames), "\(t.gateCounts)")
            let d = QT.distanceUpToPhase(try sim.statevector(t), try sim.statevector(c))
            #expect(d < 1e-9, "seed \(seed): \(d)")
        }
    }

    /// Entangler counts: CX costs one native entangler on every target; a generic 2-qubit unitary ≤ 3 everywhere.
    @Test func entanglerCounts() throws {
        var rng = SplitMix64(seed: 4)
        var cx = Circuit(qubits: 2)
        try cx.cx(0, 1)
        var generic = Circuit(qubits: 2)
        try generic.apply(.unitary(QT.randomUnitary(4, &rng), label: "g"), 0, 1)
        for (target, name) in [(NativeGateSet.ibmHeron, "cz"), (.ibmEagle, "ecr"), (.ionq, "ms")] {
            #expect(try Transpiler.transpile(cx, to: target).gateCounts[name] == 1, "\(target)")
            let g = try Transpiler.transpile(generic, to: target).gateCounts[name] ?? 0
            #expect(g <= 3, "\(target): \(g)")
            #expect(QT.distanceUpToPhase(try sim.statevector(try Transpiler.transpile(generic, to: target)), try sim.statevector(generic)) < 1e-9)
        }
    }

    /// Dropping the final virtual-Z frames keeps Born probabilities (not the state) and saves gates.
    @Test func ionqVirtualZ() throws {
        var rng = SplitMix64(seed: 15)
        var c = Circuit(qubits: 3)
        for _ in 0..<10 {
            for q in 0..<3 { try c.apply(.unitary(QT.randomUnitary(2, &rng), label: "r"), q) }
            try c.cx(0, 1); try c.apply(.rzz(0.3), 1, 2)
        }
        let full = try Transpiler.transpile(c, to: .ionq)
        let dropped = try Transpiler.transpile(c, to: .ionq, dropFinalZRotations: true)
        #expect(QT.distanceUpToPhase(try sim.statevector(full), try sim.statevector(c)) < 1e-9)
        #expect(Approximate.maxAbsDiff(try sim.probabilities(dropped), try sim.probabilities(c)) < 1e-12)
        #expect(dropped.gateCount < full.gateCount)
        #expect((dropped.gateCounts["gpi2"] ?? 0) <= 2 * (3 * 10 + 2 * 10 * 3))
        #expect(dropped.gateCounts["gpi"] == nil)
    }

    @Test func ionqJSONRoundTripsInTurns() throws {
        let c = try QT.randomCircuit(qubits: 3, gates: 20, seed: 77)
        let native = try Transpiler.transpile(c, to: .ionq)
        let json = try IonQJob.json(native)
        #expect(json.contains("\"gateset\" : \"native\"") && json.contains("\"ionq.circuit.v0\""))
        let back = try IonQJob.circuit(fromJSON: json)
        #expect(QT.distanceUpToPhase(try sim.statevector(back), try sim.statevector(c)) < 1e-9)
        #expect(throws: QuantumError.self) { try IonQJob.json(c) }
        #expect(throws: QuantumError.self) { try IonQJob.circuit(fromJSON: "{\"gateset\":\"qis\"}") }
    }

    @Test func hardwareJobsParseBack() throws {
        var c = try QT.randomCircuit(qubits: 3, gates: 25, seed: 8)
        try c.measureAll()
        for target in [HardwareJobBackend.Target.ibmHeron, .ibmEagle, .openQASM3, .openQASM2] {
            let text = try HardwareJobBackend(target: target).job(for: c)
            let back = try QASMParser.parse(text)
            #expect(QT.distanceUpToPhase(try sim.statevector(back), try sim.statevector(c)) < 1e-9, "\(target)")
        }
        #expect(throws: QuantumError.self) { try HardwareJobBackend(target: .ionq).run(c, shots: 10, seed: 1) }
    }
}
