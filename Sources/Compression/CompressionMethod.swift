/// How the block linear layers are factorized.
public enum CompressionMethod: String, Sendable, Equatable, Codable, CaseIterable {
    /// Plain truncated SVD of W (Eckart–Young): `W ≈ A·B`, error `Σ_{i>k} σᵢ(W)²`.
    case svd
    /// Measurement-aware SVD (SVD-LLM whitening by the Cholesky factor of the input Gram matrix;
    /// optional least-squares refit): minimises the output error on calibration inputs.
    case masvd
    /// ASVD: SVD of `W·diag(mean|x|)^α`, α = 0.5 (Yuan et al. 2023).
    case asvd
    /// Tensor-train matrix (MPO) by TT-SVD (Oseledets 2011), bond ranks capped to the parameter share.
    case tt
    /// Per matrix, the candidate (svd, masvd, asvd, tt — those the statistics allow) with the
    /// lowest measured error at the same parameter count.
    case auto

    /// Whether the method needs the Gram matrix of every layer's inputs.
    public var needsGram: Bool { self == .masvd }
    /// Whether the method needs `mean|x|` of every layer's inputs.
    public var needsMeanAbsolute: Bool { self == .asvd }
}
