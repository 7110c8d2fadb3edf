import Decomposition
import LinearAlgebra

/// Entry point of the per-matrix analysis: one weight (and optional calibration) → `MatrixReport`.
public enum MatrixAnalysis {
    /// Analyses `weight` (m×n).
    /// - Parameters:
    ///   - calibration: when given (with a Gram matrix), the whitened spectrum σ(W S) is computed as in
    ///     `MeasurementAwareSVD` (`.whitened`), which is what predicts output error.
    ///   - candidateRanks: ranks at which to report captured energy (out-of-range ranks are clamped).
    ///   - ttOrder: when given (≥ 2), the bond entropies of the untruncated TT-matrix form with that many cores.
    public static func analyze(label: String, layer: Int? = nil, kind: String? = nil, weight: Matrix<Float>,
                               calibration: CalibrationStatistics? = nil, candidateRanks: [Int] = [16, 32, 64, 128, 256],
                               ttOrder: Int? = nil) throws -> MatrixReport {
        let sv = try _wrap { try SingularValueDecomposition<Float>.singularValues(of: weight) }
        let plain = try SpectralStatistics(singularValues: sv.map(Double.init))
        var whitened: SpectralStatistics? = nil
        if let cal = calibration, cal.gram != nil {
            let spectrum = try _wrap { try MeasurementAwareSVD.whitenedSpectrum(weight, calibration: cal) }
            whitened = try SpectralStatistics(singularValues: spectrum.singularValues)
        }
        let driving = whitened ?? plain
        var bonds: [Double]? = nil
        if let d = ttOrder, d >= 2 {
            let tt = try _wrap { try TensorTrainMatrix.decompose(weight, truncation: .relativeAccuracy(0), order: d) }
            bonds = try bondEntropies(tt.train)
        }
        return MatrixReport(label: label, layer: layer, kind: kind, rows: weight.rows, columns: weight.columns, plain: plain,
                            whitened: whitened, candidateRanks: candidateRanks,
                            energyAtCandidates: candidateRanks.map { driving.energyCaptured(rank: $0) },
                            breakEvenRank: LowRankFactors.breakEvenRank(rows: weight.rows, columns: weight.columns),
                            bondEntropies: bonds)
    }

    /// Bond entropies of a tensor train: at each cut k, the von Neumann entropy of
    /// `σᵢ²/Σσ²` of the unfolding factored there (exact entanglement entropy of the cut when
    /// the train was built without truncation).
    public static func bondEntropies(_ train: TensorTrain) throws -> [Double] {
        try train.cutSingularValues.map { try SpectralStatistics(singularValues: $0).spectralEntropy }
    }
}
