import CBLAS
import TensorCore

/// Thin, checked wrappers over OpenBLAS's CBLAS for row-major `Float` and `Double` buffers.
///
/// Sizes are `Int` here and converted to BLAS's 32-bit `blasint` by the wrappers; callers pass
/// sizes that fit (every matrix of a transformer checkpoint does).
public enum BLAS {
    /// `C ← α·op(A)·op(B) + β·C`, row-major. `op(A)` is m×k, `op(B)` is k×n, `C` is m×n.
    /// `lda`, `ldb`, `ldc` are the row strides of the stored (untransposed) buffers.
    @inlinable
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// Double-precision `gemm`, same conventions.
    @inlinable
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// `Y = X·Wᵀ` for a batch of row vectors: `x` is (rows, inFeatures), `w` is (outFeatures, inFeatures)
    /// as checkpoints store linear weights, and the result is (rows, outFeatures).
    public static func linear(_ x: [Float], rows: Int, weight w: [Float], outFeatures: Int, inFeatures: Int) -> [Float] {
        precondition(x.count == rows * inFeatures && w.count == outFeatures * inFeatures, "linear: shape mismatch")
        var y = [Float](repeating: 0, count: rows * outFeatures)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    gemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: xp.baseAddress!, lda: inFeatures,
                         b: wp.baseAddress!, ldb: inFeatures, c: yp.baseAddress!, ldc: outFeatures)
                }
            }
        }
        return y
    }

    /// Matrix product of two rank-2 tensors, `A·B`. Returns `nil` when the inner dimensions differ.
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor? {
        guard let (m, k) = a.matrixShape, let (k2, n) = b.matrixShape, k == k2 else { return nil }
        var c = Tensor(zeros: [m, n])
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.storage.withUnsafeMutableBufferPointer { cp in
                    gemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: max(k, 1), b: bp.baseAddress!, ldb: max(n, 1),
                         c: cp.baseAddress!, ldc: max(n, 1))
                }
            }
        }
        return c
    }
}
