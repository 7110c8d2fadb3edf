/// Eigendecomposition `A = V·diag(λ)·Vᵀ` of a symmetric matrix (LAPACK divide-and-conquer `syevd`).
///
/// The input must be symmetric (one triangle is read). Eigenvalues are in ascending order (LAPACK's); column `i` of
/// `eigenvectors` is the unit eigenvector of `eigenvalues[i]`.
public struct SymmetricEigendecomposition<Scalar: LinearAlgebraScalar>: Sendable, Equatable {
    /// λ₁ ≤ … ≤ λₙ.
    public var eigenvalues: [Scalar]
    /// n×n orthogonal; columns are eigenvectors.
    public var eigenvectors: Matrix<Scalar>

    /// Decomposes `a` (square, symmetric). Throws `shapeMismatch`, `nonFinite` or `convergenceFailure`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ a: Matrix<Scalar>) throws {
        let op = "SymmetricEigendecomposition"
        guard a.rows == a.columns else {
            throw LinearAlgebraError.shapeMismatch(operation: op, expected: "square", got: "\(a.rows)×\(a.columns)")
        }
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(operation: op) }
        let n = a.rows
        if n == 0 { self.eigenvalues = []; self.eigenvectors = Matrix(zeros: 0, 0); return }
        let n32 = try _lapackInt(n, op)
        var buf = a.values
        var w = [Scalar](repeating: 0, count: n)
        // The symmetric buffer reads the same in either order; 'L' column-major reads our upper
        // triangle, which equals the lower one for a symmetric input.
        let info = buf.withUnsafeMutableBufferPointer { b in
            w.withUnsafeMutableBufferPointer { wp in Scalar._syevd(n: n32, a: b.baseAddress!, lda: n32, w: wp.baseAddress!) }
        }
        if info > 0 { throw LinearAlgebraError.convergenceFailure(routine: "syevd", info: Int(info)) }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "syevd", info: Int(info)) }
        // Eigenvectors are columns column-major, i.e. rows of the row-major buffer: transpose.
        self.eigenvalues = w
        self.eigenvectors = Matrix(_unchecked: n, n, buf).transposed()
    }
}
