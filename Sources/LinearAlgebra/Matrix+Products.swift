extension Matrix {
    /// `op(self)·op(other)` through BLAS `gemm`, where `op` transposes when the flag is set.
    /// Throws `shapeMismatch` when the inner dimensions differ, `dimensionTooLarge` past 32-bit sizes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) throws -> Matrix {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let k2 = transposeOther ? other.columns : other.rows
        let n = transposeOther ? other.rows : other.columns
        guard k == k2 else {
            throw LinearAlgebraError.shapeMismatch(operation: "multiplied", expected: "inner dimension \(k)", got: "\(k2)")
        }
        let op = "gemm"
        let (m32, n32, k32) = (try _lapackInt(m, op), try _lapackInt(n, op), try _lapackInt(k, op))
        let lda = try _lapackInt(Swift.max(columns, 1), op), ldb = try _lapackInt(Swift.max(other.columns, 1), op)
        var c = [Scalar](repeating: 0, count: m * n)
        if m > 0, n > 0, k > 0 {
            values.withUnsafeBufferPointer { a in
                other.values.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { cp in
                        Scalar._gemm(transA: transposeSelf, transB: transposeOther, m: m32, n: n32, k: k32, alpha: 1,
                                     a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: 0,
                                     c: cp.baseAddress!, ldc: Int32(Swift.max(n, 1)))
                    }
                }
            }
        }
        return Matrix(_unchecked: m, n, c)
    }

    /// `Aᵀ·A` (the Gram matrix of the columns), through `gemm`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gram() throws -> Matrix { try multiplied(by: self, transposeSelf: true) }

    /// Solves a triangular system with `self` as the triangular factor `T` (square; only the
    /// `lower` or upper triangle is read): `op(T)·X = B` when `side == .left`, `X·op(T) = B` when
    /// `.right`, with `op(T) = Tᵀ` when `transpose`. BLAS `trsm`. Throws `singularTriangular` on a zero diagonal.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func solveTriangular(_ b: Matrix, side: TriangularSide, lower: Bool, transpose: Bool = false) throws -> Matrix {
        let op = "trsm"
        guard rows == columns else {
            throw LinearAlgebraError.shapeMismatch(operation: op, expected: "square triangular factor", got: "\(rows)×\(columns)")
        }
        let needed = side == .left ? b.rows : b.columns
        guard needed == rows else {
            throw LinearAlgebraError.shapeMismatch(operation: op, expected: "right-hand side with \(rows) \(side == .left ? "rows" : "columns")",
                                                   got: "\(b.rows)×\(b.columns)")
        }
        for i in 0..<rows where !(values[i * columns + i] != 0 && values[i * columns + i].isFinite) {
            throw LinearAlgebraError.singularTriangular(index: i)
        }
        var x = b
        if b.isEmpty { return x }
        let m32 = try _lapackInt(b.rows, op), n32 = try _lapackInt(b.columns, op), ld = try _lapackInt(rows, op)
        values.withUnsafeBufferPointer { t in
            x.values.withUnsafeMutableBufferPointer { xp in
                Scalar._trsm(left: side == .left, lower: lower, transT: transpose, unitDiagonal: false, m: m32, n: n32,
                             alpha: 1, t: t.baseAddress!, ldt: ld, b: xp.baseAddress!, ldb: n32)
            }
        }
        return x
    }
}
