/// The outcome of `MeasurementAwareSVD` at one rank, with the figures that predict its cost.
public struct MeasurementAwareResult: Sendable, Equatable {
    /// A (m×k), B (k×n), Float32.
    public let factors: LowRankFactors
    /// The method used.
    public let method: MeasurementAwareSVD.Method
    /// All σᵢ(W S), non-increasing.
    public let whitenedSingularValues: [Double]
    /// The diagonal shift λ added to G before Cholesky (0 when G was positive definite). Non-zero
    /// means the identity below holds for `G + λI`, not G.
    public let diagonalShift: Double
    /// Whether A was refitted by least squares (`.whitenedRefit`).
    public let refitted: Bool
    /// Whether the SVD needed LAPACK's `gesvd` fallback.
    public let usedFallback: Bool

    /// k.
    public var rank: Int { factors.rank }

    /// `Σ_{i>k} σᵢ(W S)²`. For `.whitened` with `diagonalShift == 0` this equals the output error on
    /// the calibration set, `‖(W − A B) Xᵀ‖_F²` (SVD-LLM); for `.diagonal` it is the error in the
    /// scaled norm `‖(W − A B) S‖_F²`; for a refit the true error is at most this value.
    public var predictedOutputError: Double { whitenedSingularValues.dropFirst(rank).reduce(0) { $0 + $1 * $1 } }

    /// `Σ σᵢ(W S)² = ‖W S‖_F²` (for whitening: the output energy `‖W Xᵀ‖_F² = tr(W G Wᵀ)`).
    public var totalOutputEnergy: Double { whitenedSingularValues.reduce(0) { $0 + $1 * $1 } }

    /// `predictedOutputError / totalOutputEnergy` (0 when the energy is 0).
    public var relativePredictedError: Double { totalOutputEnergy > 0 ? predictedOutputError / totalOutputEnergy : 0 }
}
