import LinearAlgebra

/// The SVD of a whitened weight `W S = U Σ Vᵀ` together with the whitening S, ready to be
/// truncated at any rank (the allocator reads `singularValues`, the pipeline calls `factors(rank:)`).
public struct WhitenedDecomposition: Sendable {
    /// The method that produced it.
    public let method: MeasurementAwareSVD.Method
    /// S (Cholesky factor of G (+ shift) or diagonal scaling).
    public let whitening: InputWhitening
    /// `W S = U Σ Vᵀ`, signs normalised, Float64.
    public let svd: SingularValueDecomposition<Double>
    let weight: Matrix<Float>?
    let refitGram: Matrix<Double>?

    init(method: MeasurementAwareSVD.Method, whitening: InputWhitening, svd: SingularValueDecomposition<Double>,
         weight: Matrix<Float>?, refitGram: Matrix<Double>?) {
        self.method = method
        self.whitening = whitening
        self.svd = svd
        self.weight = weight
        self.refitGram = refitGram
    }

    /// σᵢ(W S), non-increasing.
    public var singularValues: [Double] { svd.singularValues }

    /// The factors at `rank`: `A = U_k Σ_k^{1/2}`, `B = Σ_k^{1/2} V_kᵀ S⁻¹` (then A refitted for `.whitenedRefit`).
    public func factors(rank: Int) throws -> MeasurementAwareResult {
        guard rank >= 1, rank <= svd.count else { throw DecompositionError.invalidRank(rank: rank, limit: svd.count) }
        let t = try _la { try svd.truncated(to: rank) }
        let root = t.singularValues.map { $0.squareRoot() }
        var a = try _la { try t.u.scalingColumns(by: root) }
        let b = try whitening.solveRight(try _la { try t.vt.scalingRows(by: root) })
        var refitted = false
        if method == .whitenedRefit, let w = weight, let g = refitGram {
            a = try LeastSquaresRefit.refitLeft(weight: w.converted(to: Double.self), right: b, gram: g)
            refitted = true
        }
        let factors = try LowRankFactors(a: a.converted(to: Float.self), b: b.converted(to: Float.self))
        return MeasurementAwareResult(factors: factors, method: method, whitenedSingularValues: svd.singularValues,
                                      diagonalShift: whitening.shift, refitted: refitted, usedFallback: svd.usedFallback)
    }
}
