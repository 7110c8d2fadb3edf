import TensorCore
import QuantumBackend
import TestSupport

/// Shared helpers for the QuantumBackend tests.
enum QT {
    /// Every gate kind, with fixed pseudo-random angles, paired with its arity.
    static func allGates(_ rng: inout SplitMix64) -> [Gate] {
        func a() -> Parameter { Parameter((rng.uniform() * 2 - 1) * Double.pi * 1.7) }
        var gates: [Gate] = [.id, .x, .y, .z, .h, .s, .sdg, .t, .tdg, .sx, .sxdg, .rx(a()), .ry(a()), .rz(a()), .p(a()),
                             .u(a(), a(), a()), .cx, .cz, .cy, .swap, .ecr, .rxx(a()), .ryy(a()), .rzz(a()),
                             .crx(a()), .cry(a()), .crz(a()), .cp(a()), .ccx, .gpi(a()), .gpi2(a()), .ms(a(), a(), Parameter(rng.uniform() * 0.5))]
        gates.append(.unitary(randomUnitary(2, &rng), label: "u1q"))
        gates.append(.unitary(randomUnitary(4, &rng), label: "u2q"))
        return gates
    }

    /// A Haar-ish random unitary: Gram–Schmidt of a complex Gaussian matrix.
    static func randomUnitary(_ n: Int, _ rng: inout SplitMix64) -> ComplexMatrix {
        var cols = (0..<n).map { _ in (0..<n).map { _ in Complex(rng.normal(), rng.normal()) } }
        for j in 0..<n {
            for k in 0..<j {
                var d = Complex.zero
                for i in 0..<n { d += cols[k][i].conjugate * cols[j][i] }
                for i in 0..<n { cols[j][i] = cols[j][i] - d * cols[k][i] }
            }
            let nrm = cols[j].reduce(0) { $0 + $1.normSquared }.squareRoot()
            cols[j] = cols[j].map { (1 / nrm) * $0 }
        }
        var m = ComplexMatrix.identity(n)
        for r in 0..<n { for c in 0..<n { m[r, c] = cols[c][r] } }
        return m
    }

    /// Distinct random qubits.
    static func distinct(_ k: Int, of n: Int, _ rng: inout SplitMix64) -> [Int] {
        var pool = Array(0..<n)
        var out: [Int] = []
        for _ in 0..<k { out.append(pool.remove(at: Int(rng.next() % UInt64(pool.count)))) }
        return out
    }

    /// A seeded random circuit over all gate kinds.
    static func randomCircuit(qubits n: Int, gates count: Int, seed: UInt64, kinds: [Gate]? = nil) throws -> Circuit {
        var rng = SplitMix64(seed: seed)
        var c = Circuit(qubits: n)
        for _ in 0..<count {
            let pool = kinds ?? allGates(&rng).filter { $0.arity <= n }
            let g = pool[Int(rng.next() % UInt64(pool.count))]
            try c.apply(g, on: distinct(g.arity, of: n, &rng))
        }
        return c
    }

    /// `max_i |a_i − e^{iφ} b_i|` with φ fixed by the largest entry of b.
    static func distanceUpToPhase(_ a: [Complex], _ b: [Complex]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return .infinity }
        var k = 0
        for i in b.indices where b[i].normSquared > b[k].normSquared { k = i }
        let r = a[k] / b[k]
        let ph = (1 / max(r.magnitude, 1e-300)) * r
        return zip(a, b).map { ($0 - ph * $1).magnitude }.max() ?? 0
    }

    static func distance(_ a: [Complex], _ b: [Complex]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { ($0 - $1).magnitude }.max() ?? 0
    }
}

import Glibc
func _exp(_ x: Double) -> Double { exp(x) }

extension Approximate {
    static func maxAbsDiffD(_ a: [Double], _ b: [Double]) -> Double { maxAbsDiff(a, b) }
}
