/// Randomized truncated SVD (Halko, Martinsson & Tropp, "Finding structure with randomness",
/// SIAM Review 53(2), 2011; Algorithms 4.4 and 5.1).
///
/// With ℓ = k + p columns (oversampling p) of a Gaussian test matrix Ω (seeded, reproducible):
/// `Y = A·Ω`, `Q = orth(Y)`, then q power iterations `Q ← orth(A·orth(Aᵀ·Q))` with QR
/// re-orthonormalisation at each half-step (numerically stable subspace iteration); finally
/// `B = Qᵀ·A` (ℓ×n), the small SVD `B = Ũ Σ Vᵀ`, and `U = Q·Ũ`, truncated to rank k.
///
/// Guarantee (HMT 2011, Corollary 10.10, in expectation): with p ≥ 2,
/// `E‖A − QQᵀA‖ ≤ [(1 + √(k/(p−1)) + e√(k+p)/p · √(min(m,n)−k))]^{1/(2q+1)} · σ_{k+1}`;
/// power iterations drive the factor towards 1 when the spectrum decays slowly.
public enum RandomizedSVD {
    /// The leading `rank` singular triplets of `a`, approximately.
    /// - Parameters:
    ///   - rank: k, in `1...min(m, n)`.
    ///   - oversampling: p ≥ 0 extra samples (10 is HMT's usual choice).
    ///   - powerIterations: q ≥ 0 subspace iterations (1–2 suffice for weight matrices).
    ///   - seed: seed of the Gaussian test matrix.
    /// - Throws: `invalidRank`, `nonFinite`, or LAPACK failures.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func compute<Scalar: LinearAlgebraScalar>(
        _ a: Matrix<Scalar>, rank: Int, oversampling: Int = 10, powerIterations: Int = 2, seed: UInt64 = 0
    ) throws -> SingularValueDecomposition<Scalar> {
        let r = a.minDimension
        guard rank >= 1, rank <= r else { throw LinearAlgebraError.invalidRank(operation: "RandomizedSVD", rank: rank, limit: r) }
        guard oversampling >= 0, powerIterations >= 0 else {
            throw LinearAlgebraError.shapeMismatch(operation: "RandomizedSVD", expected: "oversampling ≥ 0, powerIterations ≥ 0",
                                                   got: "\(oversampling), \(powerIterations)")
        }
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(operation: "RandomizedSVD") }
        let l = Swift.min(rank + oversampling, r)
        var rng = SeededGenerator(seed: seed)
        let omega: Matrix<Scalar> = rng.gaussianMatrix(rows: a.columns, columns: l)
        var q = try QRDecomposition(a.multiplied(by: omega)).q                       // m×ℓ
        for _ in 0..<powerIterations {
            let z = try QRDecomposition(a.multiplied(by: q, transposeSelf: true)).q  // n×ℓ
            q = try QRDecomposition(a.multiplied(by: z)).q                           // m×ℓ
        }
        let b = try q.multiplied(by: a, transposeSelf: true)                          // ℓ×n
        let small = try SingularValueDecomposition(b)
        let u = try q.multiplied(by: small.u)                                         // m×ℓ
        return try SingularValueDecomposition(u: u, singularValues: small.singularValues, vt: small.vt,
                                              usedFallback: small.usedFallback).truncated(to: rank)
    }
}
