import Decomposition
import LinearAlgebra
import TensorCore

/// A linear layer `y = x·Wᵀ` (no bias) over a batch of row vectors, in one of several factored forms.
///
/// - `.dense(W)`: `W` is (outFeatures, inFeatures), as checkpoints store it. One GEMM.
/// - `.lowRank(a: A, b: B)`: `W ≈ A·B` with `A` (outFeatures, r) and `B` (r, inFeatures), applied as
///   `y = (x·Bᵀ)·Aᵀ` — two GEMMs costing `r·(in + out)` multiply-adds per row instead of `in·out`;
///   the product `A·B` is never formed.
///
/// - `.tensorTrain(M)`: a TT-matrix / MPO (Oseledets 2011) `Decomposition.TensorTrainMatrix`,
///   applied core by core (`TensorTrainMatrix.apply`), never contracted to W.
///
/// A new form implements `apply`, `referenceApply`, the shapes and `parameterCount`.
public enum Linear: Sendable {
    /// `W` itself, (outFeatures, inFeatures) row-major Float32. Prefer `dense(_:name:source:)`, which validates.
    case dense(Tensor)
    /// `W ≈ A·B`, `A` (outFeatures, r), `B` (r, inFeatures). Prefer `lowRank(a:b:name:source:)`, which validates.
    case lowRank(a: Tensor, b: Tensor)
    /// `W` as a TT-matrix (MPO), applied core by core.
    case tensorTrain(TensorTrainMatrix)

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
        case let .dense(w): return w.rank == 2 ? w.shape[0] : 0
        case let .lowRank(a, _): return a.rank == 2 ? a.shape[0] : 0
        case let .tensorTrain(m): return m.rows
        }
    }

    /// Input width.
    public var inFeatures: Int {
        switch self {
        case let .dense(w): return w.rank == 2 ? w.shape[1] : 0
        case let .lowRank(_, b): return b.rank == 2 ? b.shape[1] : 0
        case let .tensorTrain(m): return m.columns
        }
    }

    /// Stored parameters.
    public var parameterCount: Int {
        switch self {
        case let .dense(w): return w.count
        case let .lowRank(a, b): return a.count + b.count
        case let .tensorTrain(m): return m.parameterCount
        }
    }

    /// Multiply-adds per input row (`in·out` dense, `r·(in+out)` low-rank; the stored parameter
    /// count for a TT-matrix, a lower bound of its contraction cost).
    public var multiplyAddsPerRow: Int { parameterCount }

    /// `y (rows, out) = x (rows, in) · Wᵀ`, overwriting `y`. Uses BLAS sgemm.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) throws {
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
        case let .tensorTrain(m):
            let input = try Matrix<Float>(rows: rows, columns: m.columns, values: Array(UnsafeBufferPointer(start: x, count: rows * m.columns)))
            let out = try m.apply(input)  // (rows, out)
            out.values.withUnsafeBufferPointer { y.update(from: $0.baseAddress!, count: rows * m.rows) }
        }
    }

    /// Array convenience over `apply`: `x` holds `rows · inFeatures` values.
    public func apply(_ x: [Float], rows: Int) throws -> [Float] {
        var y = [Float](repeating: 0, count: rows * outFeatures)
        try apply(x, rows: rows, into: &y)
        return y
    }

    /// The same product for one row with plain loops (no BLAS): the reference path tests compare
    /// `apply` against.
    public func referenceApply(_ x: ArraySlice<Float>) throws -> [Float] {
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
        case let .tensorTrain(m):
            // Reference: contract the train to W once, then the plain loop.
            let w = try m.contracted()
            return matvec(w.values, w.rows, w.columns, Array(x))
        }
    }
}

extension Linear {
    /// Array-to-array `apply` writing into an existing buffer of at least `rows · outFeatures` values.
    func apply(_ x: [Float], rows: Int, into y: inout [Float]) throws {
        try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeMutableBufferPointer { yp in try apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!) }
        }
    }
}
