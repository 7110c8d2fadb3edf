/// Readout-error mitigation with tensored per-qubit confusion matrices (Bravyi et al. 2021,
/// "Mitigating measurement errors in multiqubit experiments"; Qiskit Experiments' "local" method):
///
/// `A_q = [[1−p01, p10], [p01, 1−p10]]` (column = true bit, row = read bit), `A = ⊗_q A_q`. Mitigation
/// applies `⊗_q A_q⁻¹` to the measured distribution (O(n·2ⁿ), one 2×2 pass per qubit) and projects the
/// result onto the probability simplex in Euclidean norm (Duchi et al. 2008, sort-based; the nearest
/// distribution, as Smolin–Gambetta–Smith 2012 argue for).
public struct ReadoutMitigator: Hashable, Sendable {
    /// P(read 1 | prepared 0) per qubit.
    public var p01: [Double]
    /// P(read 0 | prepared 1) per qubit.
    public var p10: [Double]

    /// A mitigator for qubits `0..<p01.count` with the given flip probabilities.
    /// - Throws: `QuantumError.invalidArgument` if the arrays differ in length, or for a qubit with a negative
    ///   probability or `p01 + p10 ≥ 1` (then `det A_q = 1 − p01 − p10 ≤ 0` and `A_q` cannot be inverted sensibly).
    public init(p01: [Double], p10: [Double]) throws {
        guard p01.count == p10.count else { throw QuantumError.invalidArgument("p01 and p10 lengths differ") }
        for (a, b) in zip(p01, p10) where !(a >= 0 && b >= 0 && a + b < 1) {
            throw QuantumError.invalidArgument("confusion matrix with p01 = \(a), p10 = \(b) is singular or invalid")
        }
        self.p01 = p01
        self.p10 = p10
    }

    /// Calibrates from two circuits on `backend`: all qubits in |0⟩ and all in |1⟩ (X on each), each
    /// measured `shots` times. Estimates are clamped to keep every confusion matrix invertible.
    public static func calibrate(on backend: QuantumBackend, qubits n: Int, shots: Int, seed: UInt64) throws -> ReadoutMitigator {
        var zero = Circuit(qubits: n, clbits: n)
        try zero.measureAll()
        var one = Circuit(qubits: n, clbits: n)
        for q in 0..<n { try one.x(q) }
        try one.measureAll()
        let c0 = try backend.run(zero, shots: shots, seed: seed), c1 = try backend.run(one, shots: shots, seed: seed &+ 1)
        var a = [Double](repeating: 0, count: n), b = a
        for q in 0..<n {
            a[q] = min(max(1 - c0.parityExpectation([q]), 0) / 2, 0.49)   // P(1|0) = (1 − ⟨Z⟩)/2
            b[q] = min(max(1 + c1.parityExpectation([q]), 0) / 2, 0.49)   // P(0|1) = (1 + ⟨Z⟩)/2
        }
        return try ReadoutMitigator(p01: a, p10: b)
    }

    /// The mitigated distribution from measured probabilities (index bit q = qubit q).
    public func mitigate(_ measured: [Double]) -> [Double] {
        var p = measured
        for q in 0..<p01.count where (1 << q) < p.count {
            let det = 1 - p01[q] - p10[q]
            ReadoutMitigator.applyTwoByTwo(&p, q, [(1 - p10[q]) / det, -p10[q] / det, -p01[q] / det, (1 - p01[q]) / det])
        }
        return ReadoutMitigator.projectToSimplex(p)
    }

    /// The mitigated distribution from counts (clbit q taken as qubit q).
    public func mitigate(_ counts: Counts) throws -> [Double] { mitigate(try counts.probabilityVector()) }

    /// `p ← (M on bit q) p` for a real row-major 2×2 `m`.
    static func applyTwoByTwo(_ p: inout [Double], _ q: Int, _ m: [Double]) {
        let s = 1 << q
        var blk = 0
        while blk < p.count {
            for j in blk..<min(blk + s, p.count) where j + s < p.count {
                let a = p[j], b = p[j + s]
                p[j] = m[0] * a + m[1] * b
                p[j + s] = m[2] * a + m[3] * b
            }
            blk += 2 * s
        }
    }

    /// Euclidean projection onto `{x ≥ 0, Σx = 1}` (Duchi, Shalev-Shwartz, Singer, Chandra 2008).
    public static func projectToSimplex(_ v: [Double]) -> [Double] {
        guard !v.isEmpty else { return v }
        let u = v.sorted(by: >)
        var cumulative = 0.0, theta = 0.0
        for (j, x) in u.enumerated() {
            cumulative += x
            let t = (cumulative - 1) / Double(j + 1)
            if x - t > 0 { theta = t }
        }
        return v.map { max($0 - theta, 0) }
    }

    /// `Σ_x p(x)·(−1)^{popcount(x ∧ mask)}`, the parity expectation of the masked bits.
    public static func parityExpectation(_ p: [Double], mask: Int) -> Double {
        p.indices.reduce(0) { $0 + ((($1 & mask).nonzeroBitCount & 1) == 0 ? p[$1] : -p[$1]) }
    }
}
