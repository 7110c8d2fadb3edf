import TensorCore
import Testing
import QuantumBackend

@Suite("StateVectorSimulator")
struct StateVectorSimulatorTests {
    let sim = StateVectorSimulator()
    let r = 0.5.squareRoot()

    @Test func bellState() throws {
        var c = Circuit(qubits: 2)
        try c.h(0); try c.cx(0, 1)
        let psi = try sim.statevector(c)
        #expect(QT.distance(psi, [Complex(r), .zero, .zero, Complex(r)]) < 1e-15)
        #expect(abs(try sim.expectation(of: PauliSum("ZZ"), in: c) - 1) < 1e-14)
        #expect(abs(try sim.expectation(of: PauliSum("XX"), in: c) - 1) < 1e-14)
        #expect(abs(try sim.expectation(of: PauliSum("YY"), in: c) + 1) < 1e-14)
        #expect(abs(try sim.expectation(of: PauliSum("IZ"), in: c)) < 1e-14)
    }

    @Test func ghzState() throws {
        for n in [3, 5, 8] {
            var c = Circuit(qubits: n)
            try c.h(0)
            for q in 1..<n { try c.cx(q - 1, q) }
            let p = try sim.probabilities(c)
            #expect(abs(p[0] - 0.5) < 1e-14 && abs(p[(1 << n) - 1] - 0.5) < 1e-14)
            #expect(abs(p.reduce(0, +) - 1) < 1e-13)
        }
    }

    /// QFT|x⟩ = 2^{−n/2} Σ_k e^{2πi·x·k/2ⁿ}|k⟩ (with the final qubit reversal), for every basis state x.
    @Test func qftOnBasisStatesMatchesClosedForm() throws {
        let n = 4, dim = 1 << n
        for x in 0..<dim {
            var c = Circuit(qubits: n)
            for q in 0..<n where (x >> q) & 1 == 1 { try c.x(q) }
            for j in stride(from: n - 1, through: 0, by: -1) {
                try c.h(j)
                for k in stride(from: j - 1, through: 0, by: -1) {
                    try c.apply(.cp(Parameter(Double.pi / Double(1 << (j - k)))), k, j)
                }
            }
            for q in 0..<(n / 2) { try c.apply(.swap, q, n - 1 - q) }
            let psi = try sim.statevector(c)
            let expected = (0..<dim).map { k in (1 / Double(dim).squareRoot()) * Complex.phase(2 * Double.pi * Double(x * k) / Double(dim)) }
            #expect(QT.distance(psi, expected) < 1e-13, "x = \(x)")
        }
    }

    @Test func everyGateMatrixIsUnitaryAndInverseIsExact() throws {
        var rng = SplitMix64(seed: 7)
        for g in QT.allGates(&rng) {
            let m = try g.matrix()
            #expect(m.dimension == 1 << g.arity, "\(g.name)")
            #expect(m.unitarityError < 1e-13, "\(g.name)")
            let prod = try g.inverse.matrix() * m
            #expect(ComplexMatrix.distanceUpToPhase(prod, .identity(m.dimension)) < 1e-13, "\(g.name)")
            #expect((prod[0, 0] - .one).magnitude < 1e-13, "\(g.name): inverse must be exact, not up to phase")
        }
    }

    @Test func gateIdentities() throws {
        func m(_ g: Gate) throws -> ComplexMatrix { try g.matrix() }
        #expect(ComplexMatrix.distanceUpToPhase(try m(.h) * m(.z) * m(.h), try m(.x)) < 1e-15)
        #expect(QT.distance((try m(.s) * m(.s)).elements, try m(.z).elements) < 1e-15)
        #expect(QT.distance((try m(.t) * m(.t)).elements, try m(.s).elements) < 1e-15)
        #expect(QT.distance((try m(.sx) * m(.sx)).elements, try m(.x).elements) < 1e-15)
        // U's stated global phase: U(θ,φ,λ) = e^{i(φ+λ)/2} Rz(φ) Ry(θ) Rz(λ), exactly.
        let (th, ph, la) = (0.7, -1.3, 2.1)
        let zyz = try m(.rz(Parameter(ph))) * m(.ry(Parameter(th))) * m(.rz(Parameter(la)))
        #expect(QT.distance(try m(.u(Parameter(th), Parameter(ph), Parameter(la))).elements,
                            (Complex.phase((ph + la) / 2) * zyz).elements) < 1e-14)
        // ECR = (IX − XY)/√2 in Qiskit's notation (X on operand 0 … first letter is operand 1).
        let x = try m(.x), y = try m(.y), i2 = ComplexMatrix.identity(2)
        let ix = ComplexMatrix.kron(i2, x), xy = ComplexMatrix.kron(x, y)
        let ecr = ComplexMatrix(dimension: 4, elements: zip(ix.elements, xy.elements).map { r * ($0 - $1) })!
        #expect(QT.distance(try m(.ecr).elements, ecr.elements) < 1e-15)
        // CX = (I⊗H) CZ (I⊗H) with the target on operand 1.
        let hT = ComplexMatrix.kron(try m(.h), i2)
        #expect(QT.distance(try (hT * m(.cz) * hT).elements, try m(.cx).elements) < 1e-15)
        // RZZ(θ) = CX · (I⊗Rz(θ)) · CX.
        let rzT = ComplexMatrix.kron(try m(.rz(0.9)), i2)
        #expect(QT.distance((try m(.cx) * rzT * m(.cx)).elements, try m(.rzz(0.9)).elements) < 1e-15)
        // MS(0, 0, θ turns) = RXX(2πθ).
        #expect(QT.distance(try m(.ms(0, 0, 0.1)).elements, try m(.rxx(Parameter(0.2 * Double.pi))).elements) < 1e-15)
    }

    /// Every specialised kernel equals the plain dense reference on a random 5-qubit state.
    @Test func kernelsMatchReference() throws {
        var rng = SplitMix64(seed: 11)
        let n = 5
        let amps = (0..<(1 << n)).map { _ in Complex(rng.normal(), rng.normal()) }
        for g in QT.allGates(&rng) {
            for _ in 0..<3 {
                let qs = QT.distinct(g.arity, of: n, &rng)
                var fast = try StateVector(amplitudes: amps)
                var slow = fast
                try fast.apply(g, qs)
                slow.applyReference(try g.matrix(), qs)
                #expect(QT.distance(fast.amplitudes, slow.amplitudes) < 1e-12, "\(g.name) on \(qs)")
            }
        }
    }

    /// A negative gate count is refused with a typed error (it used to trap in `0..<gates`).
    @Test func negativeGateCountIsRefused() throws {
        #expect(throws: QuantumError.self) { _ = try SimulatorBenchmark.randomCircuit(qubits: 4, gates: -1, seed: 1) }
        #expect(try SimulatorBenchmark.randomCircuit(qubits: 4, gates: 0, seed: 1).instructions.isEmpty)
    }

    /// The two-thread 1-qubit kernels equal the single-thread ones exactly (16 qubits: at the split threshold).
    @Test func twoThreadsGiveTheSameState() throws {
        let c = try SimulatorBenchmark.randomCircuit(qubits: 16, gates: 16, seed: 3)
        var d = c
        var rngForThreads = SplitMix64(seed: 99)
        try d.apply(.y, 15); try d.apply(.unitary(QT.randomUnitary(2, &rngForThreads), label: "g"), 0); try d.apply(.p(0.3), 15)
        for fusion in [false, true] {
            let one = try StateVectorSimulator(fusion: fusion, threads: 1).state(d).storage
            let two = try StateVectorSimulator(fusion: fusion, threads: 2).state(d).storage
            #expect(one == two)
        }
    }

    @Test func fusionDoesNotChangeTheState() throws {
        let c = try QT.randomCircuit(qubits: 6, gates: 200, seed: 3)
        let a = try StateVectorSimulator(fusion: true).statevector(c)
        let b = try StateVectorSimulator(fusion: false).statevector(c)
        #expect(QT.distance(a, b) < 1e-12)
        #expect(abs(a.reduce(0) { $0 + $1.normSquared } - 1) < 1e-12)
    }

    @Test func seededSamplingIsReproducibleAndFollowsBorn() throws {
        var c = Circuit(qubits: 2, clbits: 2)
        try c.h(0); try c.cx(0, 1); try c.measure(0, 0); try c.measure(1, 1)
        let a = try sim.run(c, shots: 4000, seed: 42)
        let b = try sim.run(c, shots: 4000, seed: 42)
        #expect(a == b)
        #expect(Set(a.histogram.keys) == ["00", "11"])
        let p = Double(a.histogram["11"] ?? 0) / 4000
        #expect(abs(p - 0.5) < 0.04)  // 5σ for n = 4000
        // Classical-bit mapping: qubit 0 (|1⟩) into clbit 1 only.
        var d = Circuit(qubits: 2, clbits: 2)
        try d.x(0); try d.measure(0, 1)
        #expect(try sim.run(d, shots: 10, seed: 1).histogram == ["10": 10])
    }

    @Test func midCircuitMeasurementAndReset() throws {
        // Measure |+⟩, then copy the outcome with CX: both bits always agree; reset then gives 0.
        var c = Circuit(qubits: 2, clbits: 3)
        try c.h(0); try c.measure(0, 0); try c.cx(0, 1); try c.measure(1, 1)
        try c.append(.reset(1)); try c.measure(1, 2)
        let k = try sim.run(c, shots: 500, seed: 9)
        #expect(Set(k.histogram.keys).isSubset(of: ["000", "011"]))
        #expect((k.histogram["011"] ?? 0) > 180 && (k.histogram["000"] ?? 0) > 180)
    }

    @Test func symbolicParametersBindLater() throws {
        var c = Circuit(qubits: 1)
        try c.apply(.ry(Parameter.symbol("theta") * 2), 0)
        #expect(throws: QuantumError.unboundParameter("theta")) { try sim.statevector(c) }
        let p = try sim.probabilities(c.bound(["theta": Double.pi / 4]))
        #expect(abs(p[1] - 0.5) < 1e-14)
        #expect(c.parameterNames == ["theta"])
    }

    @Test func badOperandsAreTypedErrors() throws {
        var c = Circuit(qubits: 2, clbits: 1)
        #expect(throws: QuantumError.self) { try c.cx(0, 0) }
        #expect(throws: QuantumError.self) { try c.h(2) }
        #expect(throws: QuantumError.self) { try c.measure(0, 1) }
        #expect(throws: QuantumError.self) { try c.apply(.cx, 0) }
        #expect(throws: QuantumError.self) { try sim.run(c, shots: 0, seed: 1) }
        var m = ComplexMatrix.identity(2); m[0, 1] = Complex(1)
        #expect(throws: QuantumError.self) { try c.apply(.unitary(m, label: "bad"), 0) }
    }
}
