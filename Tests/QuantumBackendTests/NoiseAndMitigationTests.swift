import Testing
import QuantumBackend
import TestSupport

@Suite("NoisySimulator and error mitigation")
struct NoiseAndMitigationTests {
    let ideal = StateVectorSimulator()

    @Test func noiselessDensityMatrixEqualsPureState() throws {
        let c = try QT.randomCircuit(qubits: 4, gates: 40, seed: 21)
        let rho = try NoisySimulator(noise: .ideal).densityMatrix(c)
        let psi = try ideal.statevector(c)
        var m = 0.0
        for r in 0..<16 { for k in 0..<16 { m = max(m, (rho[r, k] - psi[r] * psi[k].conjugate).magnitude) } }
        #expect(m < 1e-12)
        let obs = PauliSum([try .init("XZIY", coefficient: 0.5), try .init("ZZZZ", coefficient: -1), try .init("IYXI")])
        #expect(abs(try NoisySimulator(noise: .ideal).expectation(of: obs, in: c) - (try ideal.expectation(of: obs, in: c))) < 1e-12)
    }

    /// Closed forms of each channel on one gate.
    @Test func channelsMatchClosedForms() throws {
        let p = 0.12
        var c = Circuit(qubits: 1)
        try c.apply(.id, 0)
        #expect(abs(try NoisySimulator(noise: NoiseModel(depolarizing1: p)).expectation(of: PauliSum("Z"), in: c) - (1 - 4 * p / 3)) < 1e-14)
        var one = Circuit(qubits: 1)
        try one.x(0)
        #expect(abs(try NoisySimulator(noise: NoiseModel(amplitudeDamping: p)).probabilities(one)[1] - (1 - p)) < 1e-14)
        var plus = Circuit(qubits: 1)
        try plus.h(0)
        #expect(abs(try NoisySimulator(noise: NoiseModel(phaseDamping: p)).expectation(of: PauliSum("X"), in: plus) - (1 - p).squareRoot()) < 1e-14)
        var bell = Circuit(qubits: 2)
        try bell.h(0); try bell.cx(0, 1)
        let sim2 = NoisySimulator(noise: NoiseModel(depolarizing2: p))
        #expect(abs(try sim2.expectation(of: PauliSum("ZZ"), in: bell) - (1 - 16 * p / 15)) < 1e-14)
        #expect(abs(try sim2.densityMatrix(bell).trace - 1) < 1e-14)
        var idle = Circuit(qubits: 1)
        try idle.x(0); try idle.append(.delay(DelayDuration(1, .us), [0]))
        #expect(abs(try NoisySimulator(noise: NoiseModel(idleT1: 2000)).probabilities(idle)[1] - _exp(-0.5)) < 1e-14)
        #expect(throws: QuantumError.self) { try NoisySimulator(noise: NoiseModel(depolarizing1: 1.5)).probabilities(c) }
    }

    func ghz(_ n: Int, measured: Bool) throws -> Circuit {
        var c = Circuit(qubits: n, clbits: measured ? n : 0)
        try c.h(0)
        for q in 1..<n { try c.cx(q - 1, q) }
        if measured { try c.measureAll() }
        return c
    }

    /// REM under depolarizing + readout noise: mitigated parity closer to ideal, exactly and from samples.
    @Test func readoutMitigationImprovesParity() throws {
        let noise = NoiseModel(depolarizing1: 0.002, depolarizing2: 0.01, readoutP01: [0.04, 0.06, 0.03], readoutP10: [0.08, 0.05, 0.10])
        let sim = NoisySimulator(noise: noise)
        let c = try ghz(3, measured: true)
        let mask = 0b011  // ⟨Z₀Z₁⟩, ideally 1
        let idealValue = ReadoutMitigator.parityExpectation(try ideal.probabilities(c), mask: mask)
        let measured = try sim.measuredProbabilities(c)
        let exact = try ReadoutMitigator(p01: noise.readoutP01, p10: noise.readoutP10)
        let raw = ReadoutMitigator.parityExpectation(measured, mask: mask)
        let mitigated = ReadoutMitigator.parityExpectation(exact.mitigate(measured), mask: mask)
        #expect(abs(mitigated - idealValue) < abs(raw - idealValue) / 5)
        // Sampled calibration and counts.
        let cal = try ReadoutMitigator.calibrate(on: sim, qubits: 3, shots: 40_000, seed: 3)
        #expect(zip(cal.p01, noise.readoutP01).allSatisfy { abs($0 - $1) < 0.01 })
        let counts = try sim.run(c, shots: 40_000, seed: 4)
        let rawS = counts.parityExpectation([0, 1])
        let mitS = ReadoutMitigator.parityExpectation(try cal.mitigate(counts), mask: mask)
        #expect(abs(mitS - idealValue) < abs(rawS - idealValue))
        let q = try cal.mitigate(counts)
        #expect(q.allSatisfy { $0 >= 0 } && abs(q.reduce(0, +) - 1) < 1e-12)
    }

    @Test func simplexProjectionIsTheNearestDistribution() {
        let v = [0.6, 0.5, -0.2, 0.1]
        let p = ReadoutMitigator.projectToSimplex(v)
        #expect(abs(p.reduce(0, +) - 1) < 1e-15 && p.allSatisfy { $0 >= 0 })
        // Closed form (KKT): shift the three largest by θ = 1/15 and clip the rest.
        #expect(Approximate.maxAbsDiffD(p, [0.6 - 1.0 / 15, 0.5 - 1.0 / 15, 0, 0.1 - 1.0 / 15]) < 1e-15)
        #expect(ReadoutMitigator.projectToSimplex([0.2, 0.3, 0.5]) == [0.2, 0.3, 0.5])
    }

    @Test func foldingKeepsTheIdealUnitary() throws {
        let c = try QT.randomCircuit(qubits: 3, gates: 20, seed: 6)
        let psi = try ideal.statevector(c)
        for method in ZeroNoiseExtrapolation.Folding.allCases {
            for scale in [1.0, 1.5, 2.2, 3, 5] {
                let f = try ZeroNoiseExtrapolation.fold(c, scale: scale, method: method)
                #expect(QT.distance(try ideal.statevector(f), psi) < 1e-12)
                #expect(abs(ZeroNoiseExtrapolation.realisedScale(original: c, folded: f) - scale) <= 2.0 / 20 + 1e-12)
            }
        }
        #expect(throws: QuantumError.self) { try ZeroNoiseExtrapolation.fold(c, scale: 0.5, method: .global) }
    }

    @Test func extrapolatorsAreExactOnTheirModels() throws {
        let s = [1.0, 2, 3]
        #expect(abs(try ZeroNoiseExtrapolation.extrapolate(scales: s, values: s.map { 0.9 - 0.1 * $0 }, .linear) - 0.9) < 1e-14)
        #expect(abs(try ZeroNoiseExtrapolation.extrapolate(scales: s, values: s.map { 1 - 0.2 * $0 + 0.03 * $0 * $0 }, .richardson) - 1) < 1e-13)
        #expect(abs(try ZeroNoiseExtrapolation.extrapolate(scales: s, values: s.map { 0.1 + 0.8 * _exp(-0.3 * $0) }, .exponential(asymptote: 0.1)) - 0.9) < 1e-13)
    }

    /// ZNE under depolarizing noise, every folding × extrapolation: closer to ideal than unmitigated.
    @Test func zneImprovesExpectationUnderDepolarizing() throws {
        var c = try ghz(4, measured: false)
        try c.apply(.ry(0.4), 0); try c.apply(.rz(0.3), 2); try c.cx(2, 3); try c.apply(.rx(0.2), 1)
        let obs = try PauliSum("IIZZ")
        let idealValue = try ideal.expectation(of: obs, in: c)
        #expect(abs(idealValue) > 0.5)
        let noisy = NoisySimulator(noise: NoiseModel(depolarizing1: 0.004, depolarizing2: 0.02))
        let raw = try noisy.expectation(of: obs, in: c)
        for folding in ZeroNoiseExtrapolation.Folding.allCases {
            for ex in [ZeroNoiseExtrapolation.Extrapolation.linear, .richardson, .exponential(asymptote: 0)] {
                let m = try ZeroNoiseExtrapolation.mitigatedExpectation(of: obs, in: c, backend: noisy, scales: [1, 3, 5],
                                                                        folding: folding, extrapolation: ex)
                #expect(abs(m - idealValue) < abs(raw - idealValue) / 2, "\(folding) \(ex): raw \(raw), mitigated \(m), ideal \(idealValue)")
            }
        }
    }

    /// DD under idle amplitude damping (qubit held in |1⟩): closer to ideal; under idle depolarizing: no change.
    @Test func dynamicalDecoupling() throws {
        var c = Circuit(qubits: 2)
        try c.x(0); try c.h(1)
        try c.append(.delay(DelayDuration(2, .us), [0, 1]))
        try c.h(1)
        let obs = try PauliSum("IZ")  // Z on qubit 0, ideally −1
        let idealValue = try ideal.expectation(of: obs, in: c)
        let damping = NoisySimulator(noise: NoiseModel(idleT1: 4000))
        let raw = try damping.expectation(of: obs, in: c)
        let depol = NoisySimulator(noise: NoiseModel(idleTdepolarizing: 3000))
        let rawDepol = try depol.expectation(of: try PauliSum("ZZ"), in: c)
        for seq in DynamicalDecoupling.Sequence.allCases {
            let dd = DynamicalDecoupling.apply(c, sequence: seq)
            #expect(QT.distanceUpToPhase(try ideal.statevector(dd), try ideal.statevector(c)) < 1e-14)
            let m = try damping.expectation(of: obs, in: dd)
            #expect(abs(m - idealValue) < abs(raw - idealValue) * 0.8, "\(seq): raw \(raw), DD \(m)")
            #expect(abs(try depol.expectation(of: try PauliSum("ZZ"), in: dd) - rawDepol) < 1e-12, "\(seq) under depolarizing")
            let text = try QASMEmitter.emit(dd, version: .v3)
            #expect(text.contains("delay[0.5us] q[0];") && text.contains("x q[0];"))
        }
    }
}

@Suite("TrajectorySimulator")
struct TrajectorySimulatorTests {
    /// Trajectory averages agree with the exact density matrix within 5 standard errors.
    @Test func agreesWithDensityMatrix() throws {
        var c = try QT.randomCircuit(qubits: 3, gates: 12, seed: 50, kinds: [.h, .cx, .rx(0.7), .ry(1.1), .cz, .t])
        try c.append(.delay(DelayDuration(500, .ns), [0, 1, 2]))
        let noise = NoiseModel(depolarizing1: 0.02, depolarizing2: 0.05, amplitudeDamping: 0.03, phaseDamping: 0.02, idleT1: 2000, idleTphi: 3000)
        let exact = NoisySimulator(noise: noise)
        let n = 2500
        let mc = TrajectorySimulator(noise: noise, trajectories: n, seed: 5)
        for label in ["IZZ", "XXI"] {
            let obs = try PauliSum(label)
            let e = try exact.expectation(of: obs, in: c), m = try mc.expectation(of: obs, in: c)
            #expect(abs(e - m) < 5 / Double(n).squareRoot(), "\(label): exact \(e), trajectories \(m)")
        }
        let pe = try exact.probabilities(c), pm = try mc.probabilities(c)
        #expect(zip(pe, pm).map { abs($0 - $1) }.max()! < 5 * 0.5 / Double(n).squareRoot())
    }

    /// Readout flips and mid-circuit measurement: P(read 1) of |0⟩ is p01.
    @Test func readoutFlipsInRun() throws {
        var c = Circuit(qubits: 1, clbits: 1)
        try c.measure(0, 0)
        let k = try TrajectorySimulator(noise: NoiseModel(readoutP01: [0.1])).run(c, shots: 20_000, seed: 3)
        #expect(abs(Double(k.histogram["1"] ?? 0) / 20_000 - 0.1) < 0.01)
    }
}
