import Foundation
import TestSupport
import LinearAlgebra

/// The reference values written by `Fixtures/engine/make_fixtures.py` (numpy; TensorLy when installed).
struct DecompositionFixtures: Decodable {
    struct Whitened: Decodable {
        let m: Int, n: Int, samples: Int, rank: Int
        let w: [Double], x: [Double], whitened_singular_values: [Double]
        let discarded_energy: Double, output_error: Double, reconstruction: [Double]
    }
    struct ASVD: Decodable { let alpha: Double; let mean_abs: [Double]; let scaled_singular_values: [Double]; let reconstruction: [Double] }
    struct TTCase: Decodable { let ranks: [Int]; let relative_error: Double }
    struct TT: Decodable {
        let shape: [Int], values: [Double]
        let numpy: [String: TTCase]
        let tensorly_max_rank_2: TTCase?
    }
    let whitened: Whitened
    let asvd: ASVD
    let tt: TT

    static func load() throws -> DecompositionFixtures {
        try FixtureReader.json(DecompositionFixtures.self, TestPaths.fixture("engine/engine_fixtures.json"))
    }
}

/// Seeded helpers shared by the decomposition tests.
enum Make {
    static func orthonormal(_ m: Int, _ k: Int, seed: UInt64) throws -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        return try QRDecomposition(g.gaussianMatrix(rows: m, columns: k, as: Double.self)).q
    }
    /// A matrix whose singular values are exactly `s` (planted).
    static func planted(_ m: Int, _ n: Int, _ s: [Double], seed: UInt64) throws -> Matrix<Float> {
        let u = try orthonormal(m, s.count, seed: seed), v = try orthonormal(n, s.count, seed: seed &+ 7)
        return try u.scalingColumns(by: s).multiplied(by: v, transposeOther: true).converted(to: Float.self)
    }
    static func gaussian(_ m: Int, _ n: Int, seed: UInt64) -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        return g.gaussianMatrix(rows: m, columns: n)
    }
    /// ‖(W − A B) Xᵀ‖_F² computed explicitly, in Float64.
    static func outputError(_ w: Matrix<Float>, _ approx: Matrix<Float>, _ x: Matrix<Double>) throws -> Double {
        let diff = try w.converted(to: Double.self).subtracting(approx.converted(to: Double.self))
        let e = try x.multiplied(by: diff, transposeOther: true)
        return e.values.reduce(0) { $0 + $1 * $1 }
    }
}
