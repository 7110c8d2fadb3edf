/// Thin singular value decomposition `A = U·diag(σ)·Vᵀ` of an m×n matrix, r = min(m, n):
/// `u` is m×r with orthonormal columns, `singularValues` are σ₁ ≥ … ≥ σᵣ ≥ 0, `vt` is r×n with orthonormal rows.
///
/// Computed by LAPACK's divide-and-conquer `gesdd`; when it reports non-convergence (`info > 0`)
/// the QR-iteration `gesvd` is tried instead and `usedFallback` says so. The row-major buffer is
/// handed to the column-major routine as Aᵀ = V Σ Uᵀ, so the routine's U and Vᵀ outputs are, read
/// row-major, our Vᵀ and U: no transposition copy (see RECIPES.md).
public struct SingularValueDecomposition<Scalar: LinearAlgebraScalar>: Sendable, Equatable {
    /// m×r, orthonormal columns (left singular vectors).
    public var u: Matrix<Scalar>
    /// r values, non-increasing, non-negative.
    public var singularValues: [Scalar]
    /// r×n, orthonormal rows (right singular vectors, transposed).
    public var vt: Matrix<Scalar>
    /// Whether `gesdd` failed to converge and `gesvd` produced the result (false when `gesvd` was asked for).
    public var usedFallback: Bool

    /// Wraps already-computed factors, checking that their shapes agree.
    public init(u: Matrix<Scalar>, singularValues: [Scalar], vt: Matrix<Scalar>, usedFallback: Bool = false) throws {
        let r = singularValues.count
        guard u.columns == r, vt.rows == r else {
            throw LinearAlgebraError.shapeMismatch(operation: "SingularValueDecomposition", expected: "u m×\(r), vt \(r)×n",
                                                   got: "u \(u.rows)×\(u.columns), vt \(vt.rows)×\(vt.columns)")
        }
        self.u = u
        self.singularValues = singularValues
        self.vt = vt
        self.usedFallback = usedFallback
    }

    /// The thin SVD of `a`. Throws `nonFinite` on NaN/Inf input, `convergenceFailure` when both
    /// `gesdd` and `gesvd` fail, `dimensionTooLarge` past 32-bit sizes.
    /// - Parameter driver: `.divideAndConquer` (default: `gesdd`, then `gesvd` if it does not converge)
    ///   or `.qrIteration` (`gesvd` only, scipy's `lapack_driver="gesvd"`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ a: Matrix<Scalar>, driver: SVDDriver = .divideAndConquer) throws {
        let op = "SVD"
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(operation: op) }
        let m = a.rows, n = a.columns, r = Swift.min(m, n)
        if r == 0 {
            self.u = Matrix(zeros: m, 0); self.singularValues = []; self.vt = Matrix(zeros: 0, n); self.usedFallback = false
            return
        }
        // Column-major view of the row-major buffer: M = n rows, N = m columns, lda = n.
        let cm = try _lapackInt(n, op), cn = try _lapackInt(m, op), cr = try _lapackInt(r, op)
        _ = try _lapackInt(m * n, op)
        var s = [Scalar](repeating: 0, count: r)
        var routineU = [Scalar](repeating: 0, count: n * r)   // column-major n×r: read row-major it is our Vᵀ (r×n)
        var routineVt = [Scalar](repeating: 0, count: r * m)  // column-major r×m: read row-major it is our U (m×r)
        var work = a.values
        var info: Int32 = 1
        if driver == .divideAndConquer {
            info = work.withUnsafeMutableBufferPointer { ap in
                s.withUnsafeMutableBufferPointer { sp in
                    routineU.withUnsafeMutableBufferPointer { up in
                        routineVt.withUnsafeMutableBufferPointer { vp in
                            Scalar._gesdd(m: cm, n: cn, a: ap.baseAddress!, lda: cm, s: sp.baseAddress!,
                                          u: up.baseAddress!, ldu: cm, vt: vp.baseAddress!, ldvt: cr)
                        }
                    }
                }
            }
        }
        var fallback = false
        if info > 0 {
            fallback = driver == .divideAndConquer
            work = a.values
            var superb = [Scalar](repeating: 0, count: Swift.max(r - 1, 1))
            info = work.withUnsafeMutableBufferPointer { ap in
                s.withUnsafeMutableBufferPointer { sp in
                    routineU.withUnsafeMutableBufferPointer { up in
                        routineVt.withUnsafeMutableBufferPointer { vp in
                            superb.withUnsafeMutableBufferPointer { wp in
                                Scalar._gesvd(m: cm, n: cn, a: ap.baseAddress!, lda: cm, s: sp.baseAddress!,
                                              u: up.baseAddress!, ldu: cm, vt: vp.baseAddress!, ldvt: cr, superb: wp.baseAddress!)
                            }
                        }
                    }
                }
            }
            if info > 0 { throw LinearAlgebraError.convergenceFailure(routine: "gesvd", info: Int(info)) }
        }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: fallback ? "gesvd" : "gesdd", info: Int(info)) }
        self.u = Matrix(_unchecked: m, r, routineVt)
        self.singularValues = s
        self.vt = Matrix(_unchecked: r, n, routineU)
        self.usedFallback = fallback
    }

    /// The singular values of `a` only (non-increasing), by `gesdd` with `jobz = 'N'` — several times
    /// cheaper than the full decomposition; falls back to the full `init(_:)` (and its `gesvd`
    /// fallback) when `gesdd` does not converge.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func singularValues(of a: Matrix<Scalar>) throws -> [Scalar] {
        let op = "SVD"
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(operation: op) }
        let m = a.rows, n = a.columns, r = Swift.min(m, n)
        if r == 0 { return [] }
        let cm = try _lapackInt(n, op), cn = try _lapackInt(m, op)
        _ = try _lapackInt(m * n, op)
        var work = a.values
        var s = [Scalar](repeating: 0, count: r)
        let info = work.withUnsafeMutableBufferPointer { ap in
            s.withUnsafeMutableBufferPointer { sp in Scalar._gesddValues(m: cm, n: cn, a: ap.baseAddress!, lda: cm, s: sp.baseAddress!) }
        }
        if info > 0 { return try SingularValueDecomposition(a).singularValues }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: "gesdd", info: Int(info)) }
        return s
    }

    /// The number of singular values, min(m, n).
    public var count: Int { singularValues.count }

    /// Keeps the leading `rank` triplets. Throws `invalidRank` unless `0 ≤ rank ≤ count`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func truncated(to rank: Int) throws -> SingularValueDecomposition {
        guard rank >= 0, rank <= count else { throw LinearAlgebraError.invalidRank(operation: "truncated", rank: rank, limit: count) }
        return try SingularValueDecomposition(u: u.columnSlice(0..<rank), singularValues: Array(singularValues[0..<rank]),
                                              vt: vt.rowSlice(0..<rank), usedFallback: usedFallback)
    }

    /// `U·diag(σ)·Vᵀ`, the matrix these factors represent.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reconstructed() throws -> Matrix<Scalar> {
        try u.scalingColumns(by: singularValues).multiplied(by: vt)
    }

    /// Flips signs so that, in each left singular vector, the entry of largest magnitude is
    /// positive (the first such entry on ties); the matching row of `vt` is flipped with it, so the
    /// product is unchanged. Makes factors reproducible across LAPACK builds (sklearn's `svd_flip`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func signNormalized() -> SingularValueDecomposition {
        var out = self
        let m = u.rows, r = count
        for c in 0..<r {
            var best = 0, bestAbs: Scalar = -1
            for i in 0..<m { let v = abs(u.values[i * r + c]); if v > bestAbs { bestAbs = v; best = i } }
            if m > 0, u.values[best * r + c] < 0 {
                for i in 0..<m { out.u.values[i * r + c] = -out.u.values[i * r + c] }
                for j in 0..<vt.columns { out.vt.values[c * vt.columns + j] = -out.vt.values[c * vt.columns + j] }
            }
        }
        return out
    }
}
