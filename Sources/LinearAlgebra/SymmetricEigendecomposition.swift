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

extension SymmetricEigendecomposition {
    /// All eigenvalues of the symmetric `a`, in descending order, and the eigenvectors of the `count`
    /// largest, as the columns of an n×`count` matrix (column j is the unit eigenvector of `eigenvalues[j]`).
    ///
    /// The arithmetic of `init(_:)` (LAPACK `syevd`: `sytrd`, then `stedc` on the tridiagonal matrix, then
    /// `ormtr`), except that the back-transformation by the tridiagonalising Q is applied to the `count`
    /// wanted vectors only (2n²·count flops instead of 2n³): the values and those vectors are the ones
    /// `init(_:)` returns. Throws `shapeMismatch`, `nonFinite`, `invalidRank` (count outside 0…n) or
    /// `convergenceFailure`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func leading(_ a: Matrix<Scalar>, count: Int) throws -> (eigenvalues: [Scalar], eigenvectors: Matrix<Scalar>) {
        let op = "SymmetricEigendecomposition.leading"
        guard a.rows == a.columns else {
            throw LinearAlgebraError.shapeMismatch(operation: op, expected: "square", got: "\(a.rows)×\(a.columns)")
        }
        let n = a.rows
        guard count >= 0, count <= n else { throw LinearAlgebraError.invalidRank(operation: op, rank: count, limit: n) }
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(operation: op) }
        if n == 0 { return ([], Matrix(zeros: 0, count)) }
        let n32 = try _lapackInt(n, op)
        var q = a.values  // symmetric: row-major reads as column-major; 'L' reads our upper triangle
        var d = [Scalar](repeating: 0, count: n)
        var e = [Scalar](repeating: 0, count: Swift.max(n - 1, 1))
        var tau = [Scalar](repeating: 0, count: Swift.max(n - 1, 1))
        var z = [Scalar](repeating: 0, count: n * n)
        let c32 = Int32(count)
        let info: (Int32, String) = q.withUnsafeMutableBufferPointer { qp in
            d.withUnsafeMutableBufferPointer { dp in
                e.withUnsafeMutableBufferPointer { ep in
                    tau.withUnsafeMutableBufferPointer { tp in
                        z.withUnsafeMutableBufferPointer { zp in
                            let t = Scalar._sytrd(n: n32, a: qp.baseAddress!, lda: n32, d: dp.baseAddress!, e: ep.baseAddress!, tau: tp.baseAddress!)
                            if t != 0 { return (t, "sytrd") }
                            let s = Scalar._stedc(n: n32, d: dp.baseAddress!, e: ep.baseAddress!, z: zp.baseAddress!, ldz: n32)
                            if s != 0 || count == 0 { return (s, "stedc") }
                            // The `count` largest are the last columns of z (ascending): one n×count block.
                            let o = Scalar._ormtr(n: n32, columns: c32, a: qp.baseAddress!, lda: n32, tau: tp.baseAddress!,
                                                  c: zp.baseAddress! + (n - count) * n, ldc: n32)
                            return (o, "ormtr")
                        }
                    }
                }
            }
        }
        if info.0 > 0 { throw LinearAlgebraError.convergenceFailure(routine: info.1, info: Int(info.0)) }
        if info.0 < 0 { throw LinearAlgebraError.invalidArgument(routine: info.1, info: Int(info.0)) }
        var vectors = [Scalar](repeating: 0, count: n * count)
        z.withUnsafeBufferPointer { zp in
            vectors.withUnsafeMutableBufferPointer { v in
                for j in 0..<count {  // column j ← the (j+1)-th largest: column n − 1 − j of z (column-major)
                    let src = (n - 1 - j) * n
                    for r in 0..<n { v[r * count + j] = zp[src + r] }
                }
            }
        }
        return (d.reversed(), Matrix(_unchecked: n, count, vectors))
    }
}
