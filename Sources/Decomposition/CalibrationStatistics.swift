import LinearAlgebra

/// What was measured on a linear layer's inputs x ∈ ℝⁿ over a calibration set (rows of X):
/// the Gram matrix `G = Σ xᵀx = XᵀX` (n×n, Float64) and/or the per-channel mean absolute value
/// `mean|x|` (n values, used by the diagonal ASVD scaling).
public struct CalibrationStatistics: Sendable, Equatable {
    /// n×n, symmetric positive semidefinite, `Σ_t x_tᵀ x_t`.
    public let gram: Matrix<Double>?
    /// n values, `mean_t |x_{t,j}|`.
    public let meanAbsolute: [Double]?
    /// Number of input vectors accumulated (informational; the Gram is a sum, not a mean).
    public let sampleCount: Int

    /// Validates shapes: the Gram square, finite, with matching `meanAbsolute` length; at least one given.
    public init(gram: Matrix<Double>? = nil, meanAbsolute: [Double]? = nil, sampleCount: Int = 0) throws {
        guard gram != nil || meanAbsolute != nil else { throw DecompositionError.missingCalibration("neither Gram matrix nor mean |x| given") }
        if let g = gram {
            guard g.rows == g.columns else { throw DecompositionError.shapeMismatch(context: "Gram matrix is \(g.rows)×\(g.columns), not square") }
            guard g.isFinite else { throw DecompositionError.linearAlgebra(.nonFinite(operation: "CalibrationStatistics.gram")) }
        }
        if let v = meanAbsolute {
            guard v.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw DecompositionError.invalidParameter(name: "meanAbsolute", value: "…", reason: "must be finite and ≥ 0")
            }
            if let g = gram, g.rows != v.count {
                throw DecompositionError.shapeMismatch(context: "Gram is \(g.rows)×\(g.rows) but mean |x| has \(v.count) entries")
            }
        }
        guard sampleCount >= 0 else { throw DecompositionError.invalidParameter(name: "sampleCount", value: "\(sampleCount)", reason: "negative") }
        self.gram = gram
        self.meanAbsolute = meanAbsolute
        self.sampleCount = sampleCount
    }

    /// Statistics of an explicit batch of input rows `x` (T×n): `G = XᵀX`, `mean|x|`, T.
    public init(inputs x: Matrix<Double>) throws {
        let g = try _la { try x.gram() }
        var mean = [Double](repeating: 0, count: x.columns)
        for i in 0..<x.rows { for j in 0..<x.columns { mean[j] += abs(x[i, j]) } }
        let t = Double(max(x.rows, 1))
        try self.init(gram: g, meanAbsolute: mean.map { $0 / t }, sampleCount: x.rows)
    }

    /// n, the input dimension.
    public var inputDimension: Int { gram?.rows ?? meanAbsolute?.count ?? 0 }
}
