import LinearAlgebra

/// The plain truncated SVD baseline: `W ≈ U_k Σ_k V_kᵀ`, stored as `A = U_k Σ_k^{1/2}`,
/// `B = Σ_k^{1/2} V_kᵀ`.
///
/// Guarantee (Eckart–Young–Mirsky, 1936): among all matrices of rank ≤ k this minimises
/// ‖W − AB‖_F, and the error is exactly `‖W − AB‖_F² = Σ_{i>k} σᵢ²` (`discardedEnergy`).
/// Signs follow `SingularValueDecomposition.signNormalized()` (largest entry of each left
/// singular vector positive), so factors are deterministic.
public struct TruncatedSVD: Sendable, Equatable {
    /// The factors A (m×k), B (k×n).
    public let factors: LowRankFactors
    /// All min(m, n) singular values of W, non-increasing (Float64 copies of the Float32 SVD).
    public let singularValues: [Double]

    /// k.
    public var rank: Int { factors.rank }
    /// `Σ_{i>k} σᵢ² = ‖W − AB‖_F²`.
    public var discardedEnergy: Double { singularValues.dropFirst(rank).reduce(0) { $0 + $1 * $1 } }
    /// `Σ σᵢ² = ‖W‖_F²`.
    public var totalEnergy: Double { singularValues.reduce(0) { $0 + $1 * $1 } }
    /// `‖W − AB‖_F / ‖W‖_F`.
    public var relativeError: Double { totalEnergy > 0 ? (discardedEnergy / totalEnergy).squareRoot() : 0 }

    /// Truncates `w` to `rank` (1...min(m, n)).
    public static func factor(_ w: Matrix<Float>, rank: Int) throws -> TruncatedSVD {
        let svd = try _la { try SingularValueDecomposition(w) }
        return try factor(svd: svd, rank: rank)
    }

    /// Truncates an SVD already computed (e.g. shared with the analysis) to `rank`.
    public static func factor(svd: SingularValueDecomposition<Float>, rank: Int) throws -> TruncatedSVD {
        guard rank >= 1, rank <= svd.count else { throw DecompositionError.invalidRank(rank: rank, limit: svd.count) }
        let t = try _la { try svd.signNormalized().truncated(to: rank) }
        let root = t.singularValues.map { $0.squareRoot() }
        let a = try _la { try t.u.scalingColumns(by: root) }
        let b = try _la { try t.vt.scalingRows(by: root) }
        return TruncatedSVD(factors: try LowRankFactors(a: a, b: b), singularValues: svd.singularValues.map(Double.init))
    }
}
