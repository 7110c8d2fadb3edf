/// Cholesky factorization `A = L·Lᵀ` of a symmetric positive definite matrix, `L` lower triangular
/// with a positive diagonal (LAPACK `potrf`).
///
/// Only the lower triangle of the input is read. When A is not positive definite (in floating
/// point) the factorization throws `LinearAlgebraError.notPositiveDefinite(order:)`, naming the
/// first leading minor that failed; callers that want a regularised factor add a diagonal shift
/// (see `Decomposition.MeasurementAwareSVD`).
public struct CholeskyFactorization<Scalar: LinearAlgebraScalar>: Sendable, Equatable {
    /// n×n lower triangular, zeros above the diagonal.
    public var lower: Matrix<Scalar>

    /// Factors `a` (square, symmetric). Throws `shapeMismatch`, `nonFinite` or `notPositiveDefinite`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ a: Matrix<Scalar>) throws {
        let op = "Cholesky"
        guard a.rows == a.columns else {
            throw LinearAlgebraError.shapeMismatch(operation: op, expected: "square", got: "\(a.rows)×\(a.columns)")
        }
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(operation: op) }
        let n = a.rows
        let n32 = try _lapackInt(Swift.max(n, 1), op)
        var buf = a.values
        if n > 0 {
            // Column-major 'U' on the row-major buffer: U stored column-major is, read row-major, L = Uᵀ.
            let info = buf.withUnsafeMutableBufferPointer { b in Scalar._potrf(upper: true, n: n32, a: b.baseAddress!, lda: n32) }
            if info > 0 { throw LinearAlgebraError.notPositiveDefinite(order: Int(info)) }
            if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "potrf", info: Int(info)) }
        }
        for i in 0..<n { for j in (i + 1)..<Swift.max(n, i + 1) { buf[i * n + j] = 0 } }
        self.lower = Matrix(_unchecked: n, n, buf)
    }
}
