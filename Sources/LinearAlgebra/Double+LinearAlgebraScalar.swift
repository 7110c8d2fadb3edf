import CBLAS
import CLAPACKE

/// Double's bindings of the `LinearAlgebraScalar` primitives: the d-prefixed CBLAS / LAPACKE routines of the linked
/// OpenBLAS. Thin, unchecked wrappers: callers (`BLAS`, `SVD`, …) validate sizes and finiteness first.
extension Double: LinearAlgebraScalar {
    /// `cblas_dgemm`, row-major: `C ← α·op(A)·op(B) + β·C` with `op(A)` m×k, `op(B)` k×n, `C` m×n; `op` transposes
    /// when `transA`/`transB`. Leading dimensions are row strides (≥ the stored row length).
    public static func _gemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Double,
                             a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
                             beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    /// `cblas_dtrsm`, row-major: solves `op(T)·X = α·B` (`left`) or `X·op(T) = α·B` for X (m×n), overwriting `b`.
    /// `T` is lower or upper triangular (`lower`), transposed when `transT`, with implicit ones on the diagonal when
    /// `unitDiagonal`. A zero diagonal gives ∞/NaN: callers check the diagonal first.
    public static func _trsm(left: Bool, lower: Bool, transT: Bool, unitDiagonal: Bool, m: Int32, n: Int32, alpha: Double,
                             t: UnsafePointer<Double>, ldt: Int32, b: UnsafeMutablePointer<Double>, ldb: Int32) {
        cblas_dtrsm(CblasRowMajor, left ? CblasLeft : CblasRight, lower ? CblasLower : CblasUpper,
                    transT ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit, m, n, alpha, t, ldt, b, ldb)
    }
    /// `LAPACKE_dgesdd`, column-major, `jobz = 'S'`: thin SVD `A = U·Σ·Vᵀ` of the m×n `a` (destroyed) by divide and
    /// conquer; `s` gets min(m,n) singular values in descending order, `u` m×min(m,n), `vt` min(m,n)×n.
    /// Returns LAPACK's `info`: 0 success, < 0 bad argument `-info`, > 0 no convergence.
    public static func _gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>,
                              u: UnsafeMutablePointer<Double>, ldu: Int32, vt: UnsafeMutablePointer<Double>, ldvt: Int32) -> Int32 {
        LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt)
    }
    /// `LAPACKE_dgesdd` with `jobz = 'N'`: only the min(m,n) singular values of the column-major m×n `a`
    /// (destroyed) into `s`, descending. Returns LAPACK's `info` (0 = success).
    public static func _gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>) -> Int32 {
        var dummyU: Double = 0, dummyVt: Double = 0
        return LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, a, lda, s, &dummyU, 1, &dummyVt, 1)
    }
    /// `LAPACKE_dgesvd`, column-major, `jobu = jobvt = 'S'`: thin SVD by QR iteration, the slower but more robust
    /// fallback when gesdd does not converge. `superb` (min(m,n) − 1 entries) receives the unconverged superdiagonal
    /// when `info > 0`. Returns LAPACK's `info` (0 = success).
    public static func _gesvd(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>,
                              u: UnsafeMutablePointer<Double>, ldu: Int32, vt: UnsafeMutablePointer<Double>, ldvt: Int32,
                              superb: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgesvd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt, superb)
    }
    /// `LAPACKE_dgelqf`, column-major: LQ factorization `A = L·Q` of the m×n `a` in place (L in the lower triangle,
    /// Q as min(m,n) Householder reflectors below/right of it with scalars `tau`). Returns LAPACK's `info`.
    public static func _gelqf(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, tau: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgelqf(LAPACK_COL_MAJOR, m, n, a, lda, tau)
    }
    /// `LAPACKE_dorglq`, column-major: forms the m×n matrix Q with orthonormal rows from the first `k` reflectors
    /// left by `_gelqf` in `a` and `tau` (requires n ≥ m ≥ k). Returns LAPACK's `info`.
    public static func _orglq(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, tau: UnsafePointer<Double>) -> Int32 {
        LAPACKE_dorglq(LAPACK_COL_MAJOR, m, n, k, a, lda, tau)
    }
    /// `LAPACKE_dpotrf`, column-major: Cholesky `A = UᵀU` (`upper`) or `A = LLᵀ` of the symmetric n×n `a`, in place in
    /// the chosen triangle (the other is not referenced). Returns LAPACK's `info`: `k > 0` when the leading minor of
    /// order k is not positive definite.
    public static func _potrf(upper: Bool, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32) -> Int32 {
        LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: upper ? "U" : "L")), n, a, lda)  // no NaN scan: callers check
    }
    /// `LAPACKE_dsyevd`, column-major, `jobz = 'V'`, `uplo = 'L'`: all eigenvalues of the symmetric n×n `a` (lower
    /// triangle read) in ascending order into `w`, and orthonormal eigenvectors as the columns of `a` (overwritten),
    /// by divide and conquer. Returns LAPACK's `info` (0 = success, > 0 no convergence).
    public static func _syevd(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, w: UnsafeMutablePointer<Double>) -> Int32 {
        let v = CChar(UInt8(ascii: "V")), l = CChar(UInt8(ascii: "L"))
        return _lapackWithWorkspace(Double.self) { LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, v, l, n, a, lda, w, $0, $1, $2, $3) }
    }
    /// `LAPACKE_dsytrd`, column-major, `uplo = 'L'`: reduces the symmetric n×n `a` (lower triangle read) to
    /// tridiagonal form T = Qᵀ·A·Q: diagonal into `d` (n), off-diagonal into `e` (n − 1), Q as reflectors left in `a`
    /// and `tau` (n − 1). Returns LAPACK's `info`.
    public static func _sytrd(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, d: UnsafeMutablePointer<Double>,
                              e: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) -> Int32 {
        let l = CChar(UInt8(ascii: "L"))
        return _lapackWithWorkspace(Double.self) { w, lw, _, _ in LAPACKE_dsytrd_work(LAPACK_COL_MAJOR, l, n, a, lda, d, e, tau, w, lw) }
    }
    /// `LAPACKE_dstedc`, column-major, `compz = 'I'`: all eigenvalues (ascending, overwriting `d`) and the
    /// orthonormal eigenvectors (columns of the n×n `z`) of the symmetric tridiagonal matrix with diagonal `d` and
    /// off-diagonal `e` (destroyed), by divide and conquer. Returns LAPACK's `info` (> 0: no convergence).
    public static func _stedc(n: Int32, d: UnsafeMutablePointer<Double>, e: UnsafeMutablePointer<Double>,
                              z: UnsafeMutablePointer<Double>, ldz: Int32) -> Int32 {
        let i = CChar(UInt8(ascii: "I"))
        return _lapackWithWorkspace(Double.self) { LAPACKE_dstedc_work(LAPACK_COL_MAJOR, i, n, d, e, z, ldz, $0, $1, $2, $3) }
    }
    /// `LAPACKE_dormtr`, column-major, `side = 'L'`, `uplo = 'L'`, `trans = 'N'`: `C ← Q·C` for the
    /// n×`columns` `c`, with Q given by `_sytrd`'s reflectors in `a` and `tau`. Returns LAPACK's `info`.
    public static func _ormtr(n: Int32, columns: Int32, a: UnsafePointer<Double>, lda: Int32, tau: UnsafePointer<Double>,
                              c: UnsafeMutablePointer<Double>, ldc: Int32) -> Int32 {
        let l = CChar(UInt8(ascii: "L")), nt = CChar(UInt8(ascii: "N"))
        return _lapackWithWorkspace(Double.self) { w, lw, _, _ in
            LAPACKE_dormtr_work(LAPACK_COL_MAJOR, l, l, nt, n, columns, a, lda, tau, c, ldc, w, lw)
        }
    }
}
