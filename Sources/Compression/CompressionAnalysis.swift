/// Pass 1 of a compression: the spectrum of every block linear matrix, from which plans at any
/// budget are made without touching the weights again (`Compressor.plan(_:options:)`).
public struct CompressionAnalysis: Sendable, Equatable, Codable {
    /// Which matrix the singular values are of.
    public enum Spectrum: String, Sendable, Equatable, Codable {
        /// σ(W): predicts the weight error (Eckart–Young).
        case weight
        /// σ(W S) with G = S Sᵀ the input Gram matrix: predicts the output error on calibration inputs (SVD-LLM).
        case whitened
        /// σ(W diag(mean|x|)^α): ASVD's scaled error.
        case scaled
    }

    /// One block linear matrix.
    public struct Matrix: Sendable, Equatable, Codable {
        /// The tensor's name in the source.
        public var name: String
        /// The matrix's shape (m, n) = (out, in) features, as stored row-major in the source.
        public var rows: Int, columns: Int
        /// All min(m, n) singular values, non-increasing.
        public var singularValues: [Double]
        /// The source's storage type name.
        public var originalType: String
    }

    /// Which matrix every `singularValues` is of (the same for all matrices of one analysis).
    public var spectrum: Spectrum
    /// Block linear matrices, in source order.
    public var matrices: [Matrix]
}
