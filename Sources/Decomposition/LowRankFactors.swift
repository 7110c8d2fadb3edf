import LinearAlgebra

/// A rank-k factorization `W ≈ A·B` of an m×n weight: `a` is m×k, `b` is k×n (Float32 storage).
///
/// Stores k(m + n) numbers instead of mn, which saves parameters only when k < mn/(m + n)
/// (`breakEvenRank`). `apply(_:)` runs a batch through the factors without forming W.
public struct LowRankFactors: Sendable, Equatable {
    /// m×k (left factor).
    public let a: Matrix<Float>
    /// k×n (right factor).
    public let b: Matrix<Float>

    /// Checks that `a.columns == b.rows` and that the factors are finite.
    public init(a: Matrix<Float>, b: Matrix<Float>) throws {
        guard a.columns == b.rows else {
            throw DecompositionError.shapeMismatch(context: "LowRankFactors: A is \(a.rows)×\(a.columns), B is \(b.rows)×\(b.columns)")
        }
        guard a.isFinite, b.isFinite else {
            throw DecompositionError.linearAlgebra(.nonFinite(operation: "LowRankFactors"))
        }
        self.a = a
        self.b = b
    }

    /// m, the output dimension.
    public var rows: Int { a.rows }
    /// n, the input dimension.
    public var columns: Int { b.columns }
    /// k.
    public var rank: Int { a.columns }
    /// k(m + n).
    public var parameterCount: Int { rank * (rows + columns) }
    /// mn, the dense count.
    public var denseParameterCount: Int { rows * columns }

    /// The largest k for which a rank-k factorization of an m×n matrix stores fewer numbers than
    /// the dense matrix: the largest k with k(m + n) < mn, i.e. ⌊(mn − 1)/(m + n)⌋ (0 when none).
    public static func breakEvenRank(rows m: Int, columns n: Int) -> Int {
        guard m > 0, n > 0 else { return 0 }
        return (m * n - 1) / (m + n)
    }

    /// `A·B`, the dense m×n matrix.
    public func reconstructed() throws -> Matrix<Float> {
        try _la { try a.multiplied(by: b) }
    }

    /// `Y = X·Wᵀ = (X·Bᵀ)·Aᵀ` for a batch of input rows `x` (batch×n) → (batch×m), in
    /// O(batch·k(m + n)) without forming W (the linear-layer convention of `BLAS.linear`).
    public func apply(_ x: Matrix<Float>) throws -> Matrix<Float> {
        guard x.columns == columns else {
            throw DecompositionError.shapeMismatch(context: "LowRankFactors.apply: input has \(x.columns) features, expected \(columns)")
        }
        return try _la { try x.multiplied(by: b, transposeOther: true).multiplied(by: a, transposeOther: true) }
    }
}
