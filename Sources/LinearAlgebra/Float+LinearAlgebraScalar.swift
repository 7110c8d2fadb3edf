import CBLAS
import CLAPACKE

extension Float: LinearAlgebraScalar {
    public static func _gemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func _trsm(left: Bool, lower: Bool, transT: Bool, unitDiagonal: Bool, m: Int32, n: Int32, alpha: Float,
                             t: UnsafePointer<Float>, ldt: Int32, b: UnsafeMutablePointer<Float>, ldb: Int32) {
        cblas_strsm(CblasRowMajor, left ? CblasLeft : CblasRight, lower ? CblasLower : CblasUpper,
                    transT ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit, m, n, alpha, t, ldt, b, ldb)
    }
    public static func _gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>,
                              u: UnsafeMutablePointer<Float>, ldu: Int32, vt: UnsafeMutablePointer<Float>, ldvt: Int32) -> Int32 {
        LAPACKE_sgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt)
    }
    public static func _gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>) -> Int32 {
        var dummyU: Float = 0, dummyVt: Float = 0
        return LAPACKE_sgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, a, lda, s, &dummyU, 1, &dummyVt, 1)
    }
    public static func _gesvd(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>,
                              u: UnsafeMutablePointer<Float>, ldu: Int32, vt: UnsafeMutablePointer<Float>, ldvt: Int32,
                              superb: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgesvd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), CChar(UInt8(ascii: "S")), m, n, a, lda, s, u, ldu, vt, ldvt, superb)
    }
    public static func _gelqf(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, tau: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgelqf(LAPACK_COL_MAJOR, m, n, a, lda, tau)
    }
    public static func _orglq(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, tau: UnsafePointer<Float>) -> Int32 {
        LAPACKE_sorglq(LAPACK_COL_MAJOR, m, n, k, a, lda, tau)
    }
    public static func _potrf(upper: Bool, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32) -> Int32 {
        LAPACKE_spotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: upper ? "U" : "L")), n, a, lda)
    }
    public static func _syevd(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, w: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_ssyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), n, a, lda, w)
    }
}
