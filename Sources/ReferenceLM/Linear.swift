import LinearAlgebra
import TensorCore

/// A linear layer `y = x·Wᵀ` (no bias) over a batch of row vectors, in one of several factored forms.
///
/// - `.dense(W)`: `W` is (outFeatures, inFeatures), as checkpoints store it. One GEMM.
/// - `.lowRank(a: A, b: B)`: `W ≈ A·B` with `A` (outFeatures, r) and `B` (r, inFeatures), applied as
///   `y = (x·Bᵀ)·Aᵀ` — two GEMMs costing `r·(in + out)` multiply-adds per row instead of `in·out`;
///   the product `A·B` is never formed.
///
/// Extension point: a tensor-train (TT-matrix / MPO, Oseledets 2011) case whose cores are
/// contracted in order lands here once `Decomposition.TensorTrain` is on main; `apply`,
/// `referenceApply`, the shapes and the FLOP count are the only members a new case must implement.
public enum Linear: Sendable {
    case dense(Tensor)
    case lowRank(a: Tensor, b: Tensor)

    /// Builds a validated dense layer; `name` is used in errors.
    public static func dense(_ w: Tensor, name: String, source: String) throws -> Linear {
        guard w.rank == 2 else {
            throw ReferenceLMError.shapeMismatch(source: source, tensor: name, expected: [-1, -1], found: w.shape)
        }
        return .dense(w)
    }

    /// Builds a validated low-rank layer `A·B`: `A` (out, r), `B` (r, in).
    public static func lowRank(a: Tensor, b: Tensor, name: String, source: String) throws -> Linear {
        guard let (_, r) = a.matrixShape, let (r2, n) = b.matrixShape, r == r2, r > 0 else {
            throw ReferenceLMError.shapeMismatch(source: source, tensor: name, expected: [a.shape.first ?? -1, b.shape.first ?? -1],
                                                 found: a.shape + b.shape)
        }
        _ = n
        return .lowRank(a: a, b: b)
    }

    /// Output width.
    public var outFeatures: Int {
        switch self {
        case let .dense(w): return w.shape[0]
        case let .lowRank(a, _): return a.shape[0]
        }
    }

    /// Input width.
    public var inFeatures: Int {
        switch self {
        case let .dense(w): return w.shape[1]
        case let .lowRank(_, b): return b.shape[1]
        }
    }

    /// Stored parameters.
    public var parameterCount: Int {
        switch self {
        case let .dense(w): return w.count
        case let .lowRank(a, b): return a.count + b.count
        }
    }

    /// Multiply-adds per input row (`in·out` dense, `r·(in+out)` low-rank).
    public var multiplyAddsPerRow: Int { parameterCount }

    /// `y (rows, out) = x (rows, in) · Wᵀ`, overwriting `y`. Uses BLAS sgemm.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        switch self {
        case let .dense(w):
            let (o, i) = (w.shape[0], w.shape[1])
            w.storage.withUnsafeBufferPointer { wp in
                BLAS.gemm(transB: true, m: rows, n: o, k: i, a: x, lda: i, b: wp.baseAddress!, ldb: i, c: y, ldc: o)
            }
        case let .lowRank(a, b):
            let (o, r, i) = (a.shape[0], a.shape[1], b.shape[1])
            var t = [Float](repeating: 0, count: rows * r)  // (rows, r) = x·Bᵀ
            t.withUnsafeMutableBufferPointer { tp in
                b.storage.withUnsafeBufferPointer { bp in
                    BLAS.gemm(transB: true, m: rows, n: r, k: i, a: x, lda: i, b: bp.baseAddress!, ldb: i, c: tp.baseAddress!, ldc: r)
                }
                a.storage.withUnsafeBufferPointer { ap in
                    BLAS.gemm(transB: true, m: rows, n: o, k: r, a: tp.baseAddress!, lda: r, b: ap.baseAddress!, ldb: r, c: y, ldc: o)
                }
            }
        }
    }

    /// Array convenience over `apply`: `x` holds `rows · inFeatures` values.
    public func apply(_ x: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outFeatures)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!) }
        }
        return y
    }

    /// The same product for one row with plain loops (no BLAS): the reference path tests compare
    /// `apply` against.
    public func referenceApply(_ x: ArraySlice<Float>) -> [Float] {
        func matvec(_ w: [Float], _ rows: Int, _ cols: Int, _ v: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: rows)
            for r in 0..<rows {
                var s: Float = 0
                for c in 0..<cols { s += w[r * cols + c] * v[c] }
                out[r] = s
            }
            return out
        }
        switch self {
        case let .dense(w): return matvec(w.storage, w.shape[0], w.shape[1], Array(x))
        case let .lowRank(a, b):
            let t = matvec(b.storage, b.shape[0], b.shape[1], Array(x))
            return matvec(a.storage, a.shape[0], a.shape[1], t)
        }
    }
}

extension Linear {
    /// Array-to-array `apply` writing into an existing buffer of at least `rows · outFeatures` values.
    func apply(_ x: [Float], rows: Int, into y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!) }
        }
    }
}
