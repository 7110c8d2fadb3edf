import Decomposition
import LinearAlgebra

extension ActivationStatistics {
    /// The statistics in the form measurement-aware SVD and TT take (`Decomposition.CalibrationStatistics`):
    /// the Gram `Σ xᵀx` as an n×n Float64 matrix, mean |x| per channel, and the token count.
    public func calibrationStatistics() throws -> CalibrationStatistics {
        try CalibrationStatistics(gram: try Matrix<Double>(rows: width, columns: width, values: gram),
                                  meanAbsolute: meanAbs, sampleCount: tokens)
    }
}
