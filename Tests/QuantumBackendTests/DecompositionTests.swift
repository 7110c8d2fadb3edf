import TensorCore
import Testing
import QuantumBackend

@Suite("Quantum decompositions")
struct QuantumDecompositionTests {
    @Test func zyzReconstructsExactly() throws {
        var rng = SplitMix64(seed: 5)
        var cases = (0..<50).map { _ in QT.randomUnitary(2, &rng) }
        for g in [Gate.id, .x, .y, .z, .h, .s, .t, .sx, .rx(0.3), .ry(Parameter(Double.pi)), .rz(1)] { cases.append(try g.matrix()) }
        for u in cases {
            let d = OneQubitDecomposition(u)
            let zyz = Complex.phase(d.globalPhase) * (try Gate.rz(Parameter(d.phi)).matrix() * Gate.ry(Parameter(d.theta)).matrix() * Gate.rz(Parameter(d.lambda)).matrix())
            #expect(QT.distance(zyz.elements, u.elements) < 1e-12)
            let (ug, gp) = d.uGate
            #expect(QT.distance((Complex.phase(gp) * (try ug.matrix())).elements, u.elements) < 1e-12)
            for seq in [d.ibmGates(), d.ionqGates()] {
                var m = ComplexMatrix.identity(2)
                for g in seq { m = try g.matrix() * m }
                #expect(ComplexMatrix.distanceUpToPhase(m, u) < 1e-11, "\(seq)")
            }
            #expect(d.ibmGates().filter { $0 == .sx }.count <= 2)
        }
    }

    @Test func kakReconstructsExactly() throws {
        var rng = SplitMix64(seed: 8)
        var cases = (0..<40).map { _ in QT.randomUnitary(4, &rng) }
        for g in [Gate.cx, .cz, .swap, .ecr, .rzz(0.4), .cp(1.1), .ms(0.2, 0.9, 0.25)] { cases.append(try g.matrix()) }
        cases.append(.identity(4))
        cases.append(ComplexMatrix.kron(QT.randomUnitary(2, &rng), QT.randomUnitary(2, &rng)))
        for u in cases {
            let k = try TwoQubitDecomposition(u)
            #expect(QT.distance(try k.matrix().elements, u.elements) < 1e-9)
            var sv = try StateVector(qubits: 2)
            var cols: [[Complex]] = []
            for basis in 0..<4 {
                sv = try StateVector(amplitudes: (0..<4).map { $0 == basis ? Complex.one : .zero })
                for (g, qs) in k.circuit() { try sv.apply(g, qs) }
                cols.append(sv.amplitudes)
            }
            var m = ComplexMatrix.identity(4)
            for r in 0..<4 { for c in 0..<4 { m[r, c] = cols[c][r] } }
            #expect(ComplexMatrix.distanceUpToPhase(m, u) < 1e-9)
            #expect(k.circuit().filter { $0.0 == .cx }.count <= 3)
        }
    }
}
