import CBLAS

extension Matrix {
    /// `self·L` for a lower-triangular square `l` (only its lower triangle is read), through BLAS
    /// `trmm`: m·n² flops instead of gemm's 2·m·n². Throws `shapeMismatch` when `l` is not n×n.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func multipliedByLowerTriangular(_ l: Matrix) throws -> Matrix {
        let op = "trmm"
        guard Scalar.self == Double.self || Scalar.self == Float.self else { throw LinearAlgebraError.invalidArgument(routine: op, info: 0) }
        guard l.rows == l.columns, l.rows == columns else {
            throw LinearAlgebraError.shapeMismatch(operation: op, expected: "\(columns)×\(columns) triangular factor", got: "\(l.rows)×\(l.columns)")
        }
        var b = self
        if isEmpty { return b }
        let m32 = try _lapackInt(rows, op), n32 = try _lapackInt(columns, op)
        l.values.withUnsafeBufferPointer { t in
            b.values.withUnsafeMutableBufferPointer { bp in
                if Scalar.self == Double.self {
                    t.withMemoryRebound(to: Double.self) { t in
                        bp.withMemoryRebound(to: Double.self) { bp in
                            cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, m32, n32, 1,
                                        t.baseAddress!, n32, bp.baseAddress!, n32)
                        }
                    }
                } else {
                    t.withMemoryRebound(to: Float.self) { t in
                        bp.withMemoryRebound(to: Float.self) { bp in
                            cblas_strmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, m32, n32, 1,
                                        t.baseAddress!, n32, bp.baseAddress!, n32)
                        }
                    }
                }
            }
        }
        return b
    }

    /// The symmetric Gram matrix `AᵀA` (n×n, `transposeSelf`) or `AAᵀ` (m×m) through BLAS `syrk`
    /// (half gemm's flops); both triangles are filled.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func symmetricGram(transposeSelf: Bool) throws -> Matrix {
        let op = "syrk"
        guard Scalar.self == Double.self || Scalar.self == Float.self else { throw LinearAlgebraError.invalidArgument(routine: op, info: 0) }
        let d = transposeSelf ? columns : rows, k = transposeSelf ? rows : columns
        var c = [Scalar](repeating: 0, count: d * d)
        if d > 0, k > 0 {
            let d32 = try _lapackInt(d, op), k32 = try _lapackInt(k, op), lda = try _lapackInt(Swift.max(columns, 1), op)
            let trans = transposeSelf ? CblasTrans : CblasNoTrans
            values.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { cp in
                    if Scalar.self == Double.self {
                        a.withMemoryRebound(to: Double.self) { a in
                            cp.withMemoryRebound(to: Double.self) { cp in
                                cblas_dsyrk(CblasRowMajor, CblasUpper, trans, d32, k32, 1, a.baseAddress!, lda, 0, cp.baseAddress!, d32)
                            }
                        }
                    } else {
                        a.withMemoryRebound(to: Float.self) { a in
                            cp.withMemoryRebound(to: Float.self) { cp in
                                cblas_ssyrk(CblasRowMajor, CblasUpper, trans, d32, k32, 1, a.baseAddress!, lda, 0, cp.baseAddress!, d32)
                            }
                        }
                    }
                }
            }
            c.withUnsafeMutableBufferPointer { cp in
                for i in 0..<d { for j in 0..<i { cp[i * d + j] = cp[j * d + i] } }
            }
        }
        return Matrix(_unchecked: d, d, c)
    }
}
