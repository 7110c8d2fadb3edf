/// Thin QR factorization `A = Q·R` of an m×n matrix, p = min(m, n): `q` is m×p with orthonormal
/// columns, `r` is p×n upper triangular (trapezoidal when n > m).
///
/// Computed with LAPACK's Householder routines without transposition copies: the row-major buffer
/// is, to the column-major routines, Aᵀ, and the LQ factorization `Aᵀ = L·Qₗ` (`gelqf` + `orglq`)
/// is exactly `A = Qₗᵀ·Lᵀ`, the QR factorization of A.
public struct QRDecomposition<Scalar: LinearAlgebraScalar>: Sendable, Equatable {
    /// m×p, orthonormal columns.
    public var q: Matrix<Scalar>
    /// p×n, upper triangular.
    public var r: Matrix<Scalar>

    /// The thin QR factorization of `a`; throws `nonFinite` on NaN/Inf and `dimensionTooLarge` past 32-bit sizes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ a: Matrix<Scalar>) throws {
        let op = "QR"
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(operation: op) }
        let m = a.rows, n = a.columns, p = Swift.min(m, n)
        if p == 0 { self.q = Matrix(zeros: m, 0); self.r = Matrix(zeros: 0, n); return }
        let cm = try _lapackInt(n, op), cn = try _lapackInt(m, op), cp = try _lapackInt(p, op)
        _ = try _lapackInt(m * n, op)
        var buf = a.values
        var tau = [Scalar](repeating: 0, count: p)
        let info1 = buf.withUnsafeMutableBufferPointer { b in
            tau.withUnsafeMutableBufferPointer { t in Scalar._gelqf(m: cm, n: cn, a: b.baseAddress!, lda: cm, tau: t.baseAddress!) }
        }
        if info1 != 0 { throw LinearAlgebraError.invalidArgument(routine: "gelqf", info: Int(info1)) }
        // R (row-major p×n) = upper triangle of the first p rows of the buffer.
        var rv = [Scalar](repeating: 0, count: p * n)
        for i in 0..<p { for j in i..<n { rv[i * n + j] = buf[i * n + j] } }
        let info2 = buf.withUnsafeMutableBufferPointer { b in
            tau.withUnsafeBufferPointer { t in Scalar._orglq(m: cp, n: cn, k: cp, a: b.baseAddress!, lda: cm, tau: t.baseAddress!) }
        }
        if info2 != 0 { throw LinearAlgebraError.invalidArgument(routine: "orglq", info: Int(info2)) }
        // Qₗ is p×m column-major with lda = n: read row-major, the first p columns of each row are Q (m×p).
        var qv = [Scalar](repeating: 0, count: m * p)
        for i in 0..<m { for j in 0..<p { qv[i * p + j] = buf[i * n + j] } }
        self.q = Matrix(_unchecked: m, p, qv)
        self.r = Matrix(_unchecked: p, n, rv)
    }
}
