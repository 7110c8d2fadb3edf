import TensorCore
import Foundation
import Testing
import TestSupport
import QuantumBackend

@Suite("MPS → circuit encoding")
struct MPSEncodingTests {
    let sim = StateVectorSimulator()

    func randomVector(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        let v = (0..<(1 << n)).map { _ in rng.normal() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    func overlap(_ a: [Double], _ b: [Complex]) -> Double {
        var re = 0.0, im = 0.0
        for i in a.indices { re += a[i] * b[i].re; im += a[i] * b[i].im }
        return re * re + im * im
    }

    @Test func ttSVDIsExactWithoutTruncationAndLeftCanonical() throws {
        let v = randomVector(8, seed: 1)
        let mps = try MatrixProductState(dense: v, maxBond: 64)
        #expect(Approximate.maxAbsDiff(mps.dense(), v) < 1e-12)
        #expect(mps.truncationError < 1e-14)
        #expect(mps.bondDimensions == [1, 2, 4, 8, 16, 8, 4, 2, 1])
        let t = try MatrixProductState(dense: v, maxBond: 2)
        let approx = t.dense()
        let err = zip(approx, v).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        #expect(abs(err - t.truncationError) < 1e-3)  // sequential truncation: discarded weight ≈ error
        #expect(throws: QuantumError.self) { try MatrixProductState(dense: [1, 2, 3], maxBond: 2) }
    }

    /// One layer reproduces the bond-2 MPS exactly: amplitudes (not only Born probabilities).
    @Test func staircaseIsExactForBondTwo() throws {
        for (n, seed) in [(2, UInt64(3)), (5, 4), (8, 5)] {
            let mps = try MatrixProductState(dense: randomVector(n, seed: seed), maxBond: 2)
            var target = mps.dense()
            let norm = target.reduce(0) { $0 + $1 * $1 }.squareRoot()
            target = target.map { $0 / norm }
            let c = try MPSCircuitEncoder.staircase(mps)
            #expect(c.gateCount == n)
            let psi = try sim.statevector(c)
            #expect(QT.distance(psi, target.map { Complex($0) }) < 1e-12, "n = \(n)")
            #expect(Approximate.maxAbsDiff(try sim.probabilities(c), target.map { $0 * $0 }) < 1e-13)
        }
    }

    @Test func ghzAndProductStatesNeedOneLayer() throws {
        var ghz = [Double](repeating: 0, count: 64)
        ghz[0] = 0.5.squareRoot(); ghz[63] = 0.5.squareRoot()
        let r = try MPSCircuitEncoder.encode(ghz, layers: 1)
        #expect(abs(r.fidelities[0] - 1) < 1e-12)
        var product = [Double](repeating: 1, count: 32)
        for i in 0..<32 { for b in 0..<5 { product[i] *= (i >> b) & 1 == 1 ? 0.6 : 0.8 } }
        #expect(abs(try MPSCircuitEncoder.encode(product, layers: 1).fidelities[0] - 1) < 1e-12)
    }

    /// The reported fidelity equals the simulator's |⟨ψ|C|0⟩|², layer by layer.
    @Test func multiLayerFidelityIsWhatTheSimulatorSees() throws {
        let v = randomVector(6, seed: 9)
        let r = try MPSCircuitEncoder.encode(v, layers: 4)
        #expect(r.fidelities.count == 4)
        #expect(abs(overlap(v, try sim.statevector(r.circuit)) - r.fidelities[3]) < 1e-10)
        let one = try MPSCircuitEncoder.encode(v, layers: 1)
        let two = try MPSCircuitEncoder.encode(v, layers: 2)
        #expect(abs(overlap(v, try sim.statevector(two.circuit)) - two.fidelities[1]) < 1e-10)
        #expect(abs(one.fidelities[0] - r.fidelities[0]) < 1e-12)
        #expect(r.fidelities[3] > r.fidelities[0])
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models/stories260K"))
    func realEmbeddingRowsFromStories260K() throws {
        let emb = try Llama2CEmbedding(path: try #require(TestPaths.sharedModel("stories260K/stories260K.bin")))
        #expect(emb.dim == 64 && emb.vocabSize == 512)
        let row = try emb.tensor(named: "token_embd.weight[100]")
        #expect(row.count == 64)
        let r = try MPSCircuitEncoder.encode(row, layers: 3)
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let psi = try sim.statevector(r.circuit)
        #expect(abs(overlap(row.map { $0 / norm }, psi) - r.fidelities[2]) < 1e-10)
        #expect(r.fidelities[2] >= r.fidelities[0] - 1e-12)
        // Born probabilities of the one-layer circuit are those of the bond-2 MPS of the row.
        let mps = try MatrixProductState(dense: row, maxBond: 2)
        let d = mps.dense(), dn = d.reduce(0) { $0 + $1 * $1 }
        let one = try MPSCircuitEncoder.encode(row, layers: 1)
        #expect(Approximate.maxAbsDiff(try sim.probabilities(one.circuit), d.map { $0 * $0 / dn }) < 1e-12)
        #expect(throws: QuantumError.self) { try emb.tensor(named: "token_embd.weight[512]") }
        #expect(throws: QuantumError.self) { try emb.tensor(named: "output.weight") }
    }

    @Test func truncatedModelFileIsATypedError() throws {
        let dir = TestPaths.temporaryDirectory("qmps")
        let path = dir.appendingPathComponent("short.bin").path
        var bytes: [UInt8] = []
        for v in [64, 128, 1, 1, 1, 512, 32] as [Int32] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += [UInt8](repeating: 0, count: 100)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: QuantumError.self) { try Llama2CEmbedding(path: path) }
        #expect(throws: QuantumError.self) { try Llama2CEmbedding(path: dir.appendingPathComponent("missing.bin").path) }
    }
}
