import LinearAlgebra

/// Shrinkage of a calibration Gram matrix G = Σ xᵀx before whitening (Ledoit–Wolf-style
/// regularisation of a sample second-moment matrix).
///
/// Measurement-aware SVD fits the output error on the calibration inputs exactly (SVD-LLM's
/// identity); with a few thousand rows the small eigenvalues of G are noisy, and whitening by
/// S = chol(G) trusts them fully, which overfits the calibration text. Shrinking G towards a
/// well-conditioned target trades a little calibration error for generalisation to other text:
/// - `.identity(λ)`: `G + λ·mean(diag G)·I` (GPTQ's "percdamp"; λ ≥ 0);
/// - `.diagonal(λ)`: `(1 − λ)·G + λ·diag(G)` (λ in 0…1): the off-diagonal correlations are damped,
///   the per-channel energies kept.
/// With λ = 0 (or `.none`) G is unchanged. For sequential calibration the same map is applied to
/// the cross Gram C = XᵀY with the compressed-model Gram's scale (`applyCross`), so that with
/// X = Y sequential and one-shot whitening agree exactly.
public enum GramShrinkage: Sendable, Equatable, Codable {
    case none
    case identity(Double)
    case diagonal(Double)

    /// λ (0 for `.none`).
    public var lambda: Double {
        switch self {
        case .none: return 0
        case let .identity(l), let .diagonal(l): return l
        }
    }

    /// A short label: `none`, `identity:0.01`, `diagonal:0.1`.
    public var label: String {
        switch self {
        case .none: return "none"
        case let .identity(l): return "identity:\(l)"
        case let .diagonal(l): return "diagonal:\(l)"
        }
    }

    /// Refuses λ that is not finite, negative, or above 1 for `.diagonal`.
    public func validate() throws {
        switch self {
        case .none: return
        case let .identity(l):
            guard l.isFinite, l >= 0 else { throw CompressionError.invalidBudget("shrinkage λ \(l): must be finite and ≥ 0") }
        case let .diagonal(l):
            guard l.isFinite, l >= 0, l <= 1 else { throw CompressionError.invalidBudget("diagonal shrinkage λ \(l): must be in 0…1") }
        }
    }

    /// The shrunk Gram matrix (square n×n).
    public func apply(_ g: Matrix<Double>) -> Matrix<Double> { applyCross(g, reference: g) }

    /// The map applied to `c` with the scale and diagonal of `reference` (`c == reference` gives `apply`):
    /// `.identity(λ)`: `c + λ·mean(diag R)·I`; `.diagonal(λ)`: `(1 − λ)·c + λ·diag(R)`.
    public func applyCross(_ c: Matrix<Double>, reference r: Matrix<Double>) -> Matrix<Double> {
        let n = min(c.rows, c.columns, r.rows, r.columns)
        switch self {
        case .none: return c
        case let .identity(l):
            guard l > 0 else { return c }
            var trace = 0.0
            for i in 0..<n { trace += abs(r[i, i]) }
            let shift = l * (n > 0 ? trace / Double(n) : 0)
            var out = c
            for i in 0..<n { out[i, i] += shift }
            return out
        case let .diagonal(l):
            guard l > 0 else { return c }
            var out = (try? Matrix(rows: c.rows, columns: c.columns, values: c.values.map { $0 * (1 - l) })) ?? c
            for i in 0..<n { out[i, i] += l * r[i, i] }
            return out
        }
    }
}
