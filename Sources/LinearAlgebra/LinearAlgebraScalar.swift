/// A floating-point type with BLAS/LAPACK kernels: `Float` (s-routines) and `Double` (d-routines).
///
/// The requirements are thin, unchecked bindings used by `Matrix` and the decompositions of this
/// module; they take column-major LAPACK conventions and 32-bit sizes already range-checked by
/// the caller. Call the checked API (`Matrix`, `SingularValueDecomposition`, …) instead.
public protocol LinearAlgebraScalar: BinaryFloatingPoint, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// Row-major `C ← α·op(A)·op(B) + β·C`.
    static func _gemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Self,
                      a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32,
                      beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int32)
    /// Row-major triangular solve `op(T)·X = α·B` (left) or `X·op(T) = α·B` (right), in place in `b`.
    static func _trsm(left: Bool, lower: Bool, transT: Bool, unitDiagonal: Bool, m: Int32, n: Int32, alpha: Self,
                      t: UnsafePointer<Self>, ldt: Int32, b: UnsafeMutablePointer<Self>, ldb: Int32)
    /// Column-major `gesdd` with `jobz = 'S'`.
    static func _gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>,
                       u: UnsafeMutablePointer<Self>, ldu: Int32, vt: UnsafeMutablePointer<Self>, ldvt: Int32) -> Int32
    /// Column-major `gesdd` with `jobz = 'N'` (singular values only).
    static func _gesddValues(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>) -> Int32
    /// Column-major `gesvd` with `jobu = jobvt = 'S'`.
    static func _gesvd(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>,
                       u: UnsafeMutablePointer<Self>, ldu: Int32, vt: UnsafeMutablePointer<Self>, ldvt: Int32,
                       superb: UnsafeMutablePointer<Self>) -> Int32
    /// Column-major `gelqf`.
    static func _gelqf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafeMutablePointer<Self>) -> Int32
    /// Column-major `orglq`.
    static func _orglq(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafePointer<Self>) -> Int32
    /// Column-major `potrf` with `uplo = 'U'` when `upper`, else `'L'`.
    static func _potrf(upper: Bool, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32
    /// Column-major `syevd` with `jobz = 'V'`, `uplo = 'L'`.
    static func _syevd(n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, w: UnsafeMutablePointer<Self>) -> Int32
    /// Column-major `sytrd` with `uplo = 'L'`: tridiagonal `d` (n), `e` (n − 1), reflectors in `a` and `tau` (n − 1).
    static func _sytrd(n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, d: UnsafeMutablePointer<Self>,
                       e: UnsafeMutablePointer<Self>, tau: UnsafeMutablePointer<Self>) -> Int32
    /// Column-major `stedc` with `compz = 'I'`: eigenvalues (ascending, into `d`) and eigenvectors (columns of `z`)
    /// of the symmetric tridiagonal matrix (`d`, `e`).
    static func _stedc(n: Int32, d: UnsafeMutablePointer<Self>, e: UnsafeMutablePointer<Self>,
                       z: UnsafeMutablePointer<Self>, ldz: Int32) -> Int32
    /// Column-major `ormtr` with `side = 'L'`, `uplo = 'L'`, `trans = 'N'`: `C ← Q·C` for the n×`columns` `c`,
    /// Q from `_sytrd`'s reflectors in `a` and `tau`.
    static func _ormtr(n: Int32, columns: Int32, a: UnsafePointer<Self>, lda: Int32, tau: UnsafePointer<Self>,
                       c: UnsafeMutablePointer<Self>, ldc: Int32) -> Int32
}

/// Calls a LAPACK `_work` routine with the workspace it asks for: `call(work, lwork, iwork, liwork)` runs
/// once as a query (lwork = liwork = −1; LAPACK returns the sizes in `work[0]` and `iwork[0]`), then with
/// arrays of those sizes. Routines without an integer workspace ignore the last two arguments. The
/// `_work` entry points skip LAPACKE's NaN scan of the inputs: every caller checks finiteness first.
@inline(__always)
func _lapackWithWorkspace<T: BinaryFloatingPoint>(_ type: T.Type,
                                                   _ call: (UnsafeMutablePointer<T>, Int32, UnsafeMutablePointer<Int32>, Int32) -> Int32) -> Int32 {
    var q = T.zero, iq: Int32 = 0
    let info = call(&q, -1, &iq, -1)
    if info != 0 { return info }
    var work = [T](repeating: 0, count: Swift.max(1, Int(q)))
    var iwork = [Int32](repeating: 0, count: Swift.max(1, Int(iq)))
    return work.withUnsafeMutableBufferPointer { w in
        iwork.withUnsafeMutableBufferPointer { i in call(w.baseAddress!, Int32(w.count), i.baseAddress!, Int32(i.count)) }
    }
}
