import CBLAS
import CLAPACKE

extension Double: LinearAlgebraScalar {
    public static func _gemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Double,
                             a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
                             beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func _trsm(left: Bool, lower: Bool, transT: Bool, unitDiagonal: Bool, m: Int32, n: Int32, alpha: Double,
                             t: UnsafePointer<Double>, ldt: Int32, b: UnsafeMutablePointer<Double>, ldb: Int32) {
        cblas_dtrsm(CblasRowMajor, left ? CblasLeft : CblasRight, lower ? CblasLower : CblasUpper,
                    transT ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit, m, n, alpha, t, ldt, b, ldb)
    }
    public static func _gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>,
                              u: UnsafeMutablePointer<Double>, ldu: Int32, vt: UnsafeMutablePointer<Double>, ldvt: Int32) -> Int32 {
        LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt)
    }
    public static func _gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>) -> Int32 {
        var dummyU: Double = 0, dummyVt: Double = 0
        return LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, a, lda, s, &dummyU, 1, &dummyVt, 1)
    }
    public static func _gesvd(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>,
                              u: UnsafeMutablePointer<Double>, ldu: Int32, vt: UnsafeMutablePointer<Double>, ldvt: Int32,
                              superb: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgesvd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt, superb)
    }
    public static func _gelqf(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, tau: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgelqf(LAPACK_COL_MAJOR, m, n, a, lda, tau)
    }
    public static func _orglq(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, tau: UnsafePointer<Double>) -> Int32 {
        LAPACKE_dorglq(LAPACK_COL_MAJOR, m, n, k, a, lda, tau)
    }
    public static func _potrf(upper: Bool, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32) -> Int32 {
        LAPACKE_dpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: upper ? "U" : "L")), n, a, lda)
    }
    public static func _syevd(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, w: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), n, a, lda, w)
    }
}
