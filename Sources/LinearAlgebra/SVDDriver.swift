/// Which LAPACK routine computes a `SingularValueDecomposition`.
public enum SVDDriver: Sendable, Equatable {
    /// `gesdd` (divide and conquer; fast), falling back to `gesvd` when it does not converge.
    case divideAndConquer
    /// `gesvd` (QR iteration; slower, the classical reference).
    case qrIteration
}
