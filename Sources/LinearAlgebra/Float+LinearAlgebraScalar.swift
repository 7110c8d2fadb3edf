import CBLAS
import CLAPACKE

/// Float's bindings of the `LinearAlgebraScalar` primitives: the s-prefixed CBLAS / LAPACKE routines of the linked
/// OpenBLAS. Thin, unchecked wrappers: callers (`BLAS`, `SVD`, …) validate sizes and finiteness first.
extension Float: LinearAlgebraScalar {
    /// `cblas_sgemm`, row-major: `C ← α·op(A)·op(B) + β·C` with `op(A)` m×k, `op(B)` k×n, `C` m×n; `op` transposes
    /// when `transA`/`transB`. Leading dimensions are row strides (≥ the stored row length).
    public static func _gemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    /// `cblas_strsm`, row-major: solves `op(T)·X = α·B` (`left`) or `X·op(T) = α·B` for X (m×n), overwriting `b`.
    /// `T` is lower or upper triangular (`lower`), transposed when `transT`, with implicit ones on the diagonal when
    /// `unitDiagonal`. A zero diagonal gives ∞/NaN: callers check the diagonal first.
    public static func _trsm(left: Bool, lower: Bool, transT: Bool, unitDiagonal: Bool, m: Int32, n: Int32, alpha: Float,
                             t: UnsafePointer<Float>, ldt: Int32, b: UnsafeMutablePointer<Float>, ldb: Int32) {
        cblas_strsm(CblasRowMajor, left ? CblasLeft : CblasRight, lower ? CblasLower : CblasUpper,
                    transT ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit, m, n, alpha, t, ldt, b, ldb)
    }
    /// `LAPACKE_sgesdd`, column-major, `jobz = 'S'`: thin SVD `A = U·Σ·Vᵀ` of the m×n `a` (destroyed) by divide and
    /// conquer; `s` gets min(m,n) singular values in descending order, `u` m×min(m,n), `vt` min(m,n)×n.
    /// Returns LAPACK's `info`: 0 success, < 0 bad argument `-info`, > 0 no convergence.
    public static func _gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>,
                              u: UnsafeMutablePointer<Float>, ldu: Int32, vt: UnsafeMutablePointer<Float>, ldvt: Int32) -> Int32 {
        LAPACKE_sgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt)
    }
    /// `LAPACKE_sgesdd` with `jobz = 'N'`: only the min(m,n) singular values of the column-major m×n `a`
    /// (destroyed) into `s`, descending. Returns LAPACK's `info` (0 = success).
    public static func _gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>) -> Int32 {
        var dummyU: Float = 0, dummyVt: Float = 0
        return LAPACKE_sgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, a, lda, s, &dummyU, 1, &dummyVt, 1)
    }
    /// `LAPACKE_sgesvd`, column-major, `jobu = jobvt = 'S'`: thin SVD by QR iteration, the slower but more robust
    /// fallback when gesdd does not converge. `superb` (min(m,n) − 1 entries) receives the unconverged superdiagonal
    /// when `info > 0`. Returns LAPACK's `info` (0 = success).
    public static func _gesvd(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>,
                              u: UnsafeMutablePointer<Float>, ldu: Int32, vt: UnsafeMutablePointer<Float>, ldvt: Int32,
                              superb: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgesvd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt, superb)
    }
    /// `LAPACKE_sgelqf`, column-major: LQ factorization `A = L·Q` of the m×n `a` in place (L in the lower triangle,
    /// Q as min(m,n) Householder reflectors below/right of it with scalars `tau`). Returns LAPACK's `info`.
    public static func _gelqf(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, tau: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgelqf(LAPACK_COL_MAJOR, m, n, a, lda, tau)
    }
    /// `LAPACKE_sorglq`, column-major: forms the m×n matrix Q with orthonormal rows from the first `k` reflectors
    /// left by `_gelqf` in `a` and `tau` (requires n ≥ m ≥ k). Returns LAPACK's `info`.
    public static func _orglq(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, tau: UnsafePointer<Float>) -> Int32 {
        LAPACKE_sorglq(LAPACK_COL_MAJOR, m, n, k, a, lda, tau)
    }
    /// `LAPACKE_spotrf`, column-major: Cholesky `A = UᵀU` (`upper`) or `A = LLᵀ` of the symmetric n×n `a`, in place in
    /// the chosen triangle (the other is not referenced). Returns LAPACK's `info`: `k > 0` when the leading minor of
    /// order k is not positive definite.
    public static func _potrf(upper: Bool, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32) -> Int32 {
        LAPACKE_spotrf_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: upper ? "U" : "L")), n, a, lda)  // no NaN scan: callers check
    }
    /// `LAPACKE_ssyevd`, column-major, `jobz = 'V'`, `uplo = 'L'`: all eigenvalues of the symmetric n×n `a` (lower
    /// triangle read) in ascending order into `w`, and orthonormal eigenvectors as the columns of `a` (overwritten),
    /// by divide and conquer. Returns LAPACK's `info` (0 = success, > 0 no convergence).
    public static func _syevd(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, w: UnsafeMutablePointer<Float>) -> Int32 {
        let v = CChar(UInt8(ascii: "V")), l = CChar(UInt8(ascii: "L"))
        return _lapackWithWorkspace(Float.self) { LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, v, l, n, a, lda, w, $0, $1, $2, $3) }
    }
    /// `LAPACKE_ssytrd`, column-major, `uplo = 'L'`: reduces the symmetric n×n `a` (lower triangle read) to
    /// tridiagonal form T = Qᵀ·A·Q: diagonal into `d` (n), off-diagonal into `e` (n − 1), Q as reflectors left in `a`
    /// and `tau` (n − 1). Returns LAPACK's `info`.
    public static func _sytrd(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, d: UnsafeMutablePointer<Float>,
                              e: UnsafeMutablePointer<Float>, tau: UnsafeMutablePointer<Float>) -> Int32 {
        let l = CChar(UInt8(ascii: "L"))
        return _lapackWithWorkspace(Float.self) { w, lw, _, _ in LAPACKE_ssytrd_work(LAPACK_COL_MAJOR, l, n, a, lda, d, e, tau, w, lw) }
    }
    /// `LAPACKE_sstedc`, column-major, `compz = 'I'`: all eigenvalues (ascending, overwriting `d`) and the
    /// orthonormal eigenvectors (columns of the n×n `z`) of the symmetric tridiagonal matrix with diagonal `d` and
    /// off-diagonal `e` (destroyed), by divide and conquer. Returns LAPACK's `info` (> 0: no convergence).
    public static func _stedc(n: Int32, d: UnsafeMutablePointer<Float>, e: UnsafeMutablePointer<Float>,
                              z: UnsafeMutablePointer<Float>, ldz: Int32) -> Int32 {
        let i = CChar(UInt8(ascii: "I"))
        return _lapackWithWorkspace(Float.self) { LAPACKE_sstedc_work(LAPACK_COL_MAJOR, i, n, d, e, z, ldz, $0, $1, $2, $3) }
    }
    /// `LAPACKE_sormtr`, column-major, `side = 'L'`, `uplo = 'L'`, `trans = 'N'`: `C ← Q·C` for the
    /// n×`columns` `c`, with Q given by `_sytrd`'s reflectors in `a` and `tau`. Returns LAPACK's `info`.
    public static func _ormtr(n: Int32, columns: Int32, a: UnsafePointer<Float>, lda: Int32, tau: UnsafePointer<Float>,
                              c: UnsafeMutablePointer<Float>, ldc: Int32) -> Int32 {
        let l = CChar(UInt8(ascii: "L")), nt = CChar(UInt8(ascii: "N"))
        return _lapackWithWorkspace(Float.self) { w, lw, _, _ in
            LAPACKE_sormtr_work(LAPACK_COL_MAJOR, l, l, nt, n, columns, a, lda, tau, c, ldc, w, lw)
        }
    }
}
