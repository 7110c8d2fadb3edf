import LinearAlgebra

/// Truncation that minimises a layer's *output* error on measured inputs, not the weight error.
///
/// With calibration inputs X (rows x_t) and `G = XᵀX = S Sᵀ` (Cholesky), for any B of the form
/// `B = B̃ S⁻¹`, `‖(W − A B) Xᵀ‖_F² = ‖(W S − A B̃) Qᵀ‖_F² = ‖W S − A B̃‖_F²` (X = Q Sᵀ with Q having
/// orthonormal columns). So truncating the SVD `W S = U Σ Vᵀ` at rank k and storing
/// `A = U_k Σ_k^{1/2}`, `B = Σ_k^{1/2} V_kᵀ S⁻¹` is optimal for the output error, and that error
/// is exactly `Σ_{i>k} σᵢ(W S)²` (SVD-LLM: Wang et al., "SVD-LLM: Truncation-aware Singular Value
/// Decomposition for Large Language Model Compression", arXiv:2403.07378, 2024, §3).
///
/// Methods (`Method`):
/// - `.whitened`: the above (SVD-LLM's truncation-aware whitening).
/// - `.whitenedRefit`: the above, then the left factor is refitted by least squares on the
///   *unshifted* statistics, `A = W G Bᵀ (B G Bᵀ)⁻¹` (`LeastSquaresRefit`). When G was positive
///   definite this reproduces `.whitened` exactly (B G Bᵀ = Σ_k); it differs, and helps, when a
///   diagonal shift was needed.
/// - `.diagonal(alpha:)`: ASVD (Yuan et al., "ASVD: Activation-aware Singular Value Decomposition
///   for Compressing Large Language Models", arXiv:2312.05821, 2023): `S = diag(mean|x|)^α`.
///
/// The SVD is done in Float64 (statistics in Float64); factors are stored in Float32.
public enum MeasurementAwareSVD {
    /// Which measurement-aware variant to run.
    public enum Method: Sendable, Equatable {
        /// SVD-LLM whitening by the Cholesky factor of G.
        case whitened
        /// Whitening, then the closed-form least-squares refit of A on G.
        case whitenedRefit
        /// ASVD's diagonal scaling by `mean|x|^alpha` (α = 0.5 in the paper).
        case diagonal(alpha: Double)
    }

    /// Whitens `w` (m×n) with the calibration statistics and takes the SVD of `W S`, once; the
    /// result can then be truncated at any rank (`WhitenedDecomposition.factors(rank:)`).
    /// `dampening` adds `dampening · mean(diag G)` to G's diagonal first (see `InputWhitening.cholesky`).
    public static func prepare(_ w: Matrix<Float>, calibration: CalibrationStatistics, method: Method,
                               dampening: Double = 0) throws -> WhitenedDecomposition {
        let whitening = try whitening(for: w, calibration: calibration, method: method, dampening: dampening)
        let ws = try whitening.applyRight(w.converted(to: Double.self))
        let svd = try _la { try SingularValueDecomposition(ws).signNormalized() }
        return WhitenedDecomposition(method: method, whitening: whitening, svd: svd,
                                     weight: method == .whitenedRefit ? w : nil,
                                     refitGram: method == .whitenedRefit ? calibration.gram : nil)
    }

    /// Only the spectrum σ(W S) (what the allocator and the analysis need), without singular vectors —
    /// several times cheaper than `prepare`. Same whitening rules as `prepare`.
    public static func whitenedSpectrum(_ w: Matrix<Float>, calibration: CalibrationStatistics, method: Method = .whitened,
                                        dampening: Double = 0) throws -> (singularValues: [Double], whitening: InputWhitening) {
        let whitening = try whitening(for: w, calibration: calibration, method: method, dampening: dampening)
        let ws = try whitening.applyRight(w.converted(to: Double.self))
        return (try _la { try SingularValueDecomposition<Double>.singularValues(of: ws) }, whitening)
    }

    static func whitening(for w: Matrix<Float>, calibration: CalibrationStatistics, method: Method, dampening: Double) throws -> InputWhitening {
        guard calibration.inputDimension == w.columns else {
            throw DecompositionError.shapeMismatch(context: "weight has \(w.columns) inputs, calibration \(calibration.inputDimension)")
        }
        switch method {
        case .whitened, .whitenedRefit:
            guard let g = calibration.gram else { throw DecompositionError.missingCalibration("method \(method) needs the Gram matrix") }
            return try InputWhitening.cholesky(gram: g, dampening: dampening)
        case let .diagonal(alpha):
            guard let v = calibration.meanAbsolute else { throw DecompositionError.missingCalibration("method \(method) needs mean |x|") }
            return try InputWhitening.diagonal(meanAbsolute: v, alpha: alpha)
        }
    }

    /// `prepare` then truncate at `rank`.
    public static func factor(_ w: Matrix<Float>, calibration: CalibrationStatistics, rank: Int,
                              method: Method = .whitened, dampening: Double = 0) throws -> MeasurementAwareResult {
        try prepare(w, calibration: calibration, method: method, dampening: dampening).factors(rank: rank)
    }

    /// Sequential calibration: the layer now receives inputs Y from the already-compressed model,
    /// while the original layer saw X; the target is the original output X Wᵀ.
    ///
    /// With `G_y = YᵀY = S_y S_yᵀ` and the cross Gram `C = XᵀY`, minimising ‖X Wᵀ − Y Bᵀ Aᵀ‖_F² over
    /// rank-k `A B` splits into an irreducible part ‖(I − P_Y) X Wᵀ‖_F² = tr(W G_x Wᵀ) − ‖T‖_F² and
    /// ‖T − A B S_y‖_F² with `T = W C S_y⁻ᵀ`; so the SVD `T = U Σ Vᵀ` truncated at k gives
    /// `A = U_k Σ_k^{1/2}`, `B = Σ_k^{1/2} V_kᵀ S_y⁻¹` and the reducible error is Σ_{i>k} σᵢ(T)²
    /// (`predictedOutputError`). With X = Y this is `prepare(…, method: .whitened)`.
    /// - Parameters:
    ///   - crossGram: `XᵀY` (n×n), original inputs (rows of X) against compressed-model inputs (rows of Y).
    ///   - compressedGram: `YᵀY` (n×n).
    public static func prepareSequential(_ w: Matrix<Float>, crossGram c: Matrix<Double>, compressedGram gy: Matrix<Double>,
                                         dampening: Double = 0) throws -> WhitenedDecomposition {
        let n = w.columns
        guard c.rows == n, c.columns == n, gy.rows == n, gy.columns == n else {
            throw DecompositionError.shapeMismatch(context: "sequential: weight has \(n) inputs, cross Gram \(c.rows)×\(c.columns), Gram \(gy.rows)×\(gy.columns)")
        }
        guard c.isFinite else { throw DecompositionError.linearAlgebra(.nonFinite(operation: "crossGram")) }
        let whitening = try InputWhitening.cholesky(gram: gy, dampening: dampening)
        guard case let .cholesky(sy, _) = whitening else { throw DecompositionError.missingCalibration("Cholesky factor") }
        let wc = try _la { try w.converted(to: Double.self).multiplied(by: c) }                            // W C
        let t = try _la { try sy.solveTriangular(wc, side: .right, lower: true, transpose: true) }         // T S_yᵀ = W C
        let svd = try _la { try SingularValueDecomposition(t).signNormalized() }
        return WhitenedDecomposition(method: .whitened, whitening: whitening, svd: svd, weight: nil, refitGram: nil)
    }
}
