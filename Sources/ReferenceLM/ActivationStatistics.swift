/// Accumulated input statistics of one activation site: `gram = Σₜ xₜᵀxₜ` (n×n, Float64, row-major),
/// `absSum = Σₜ |xₜ|` per channel (Float64), and the number of rows `tokens`.
public struct ActivationStatistics: Sendable, Equatable {
    /// Input width n.
    public var width: Int
    /// Σ xᵀx over every recorded row. (n, n)
    public var gram: [Double]
    /// Σ |x| per input channel. (n)
    public var absSum: [Double]
    /// Rows recorded.
    public var tokens: Int

    /// Empty statistics of width `n`: an `n × n` zero Gram, `n` zero absolute sums, 0 tokens.
    public init(width: Int) {
        self.width = width
        gram = [Double](repeating: 0, count: width * width)
        absSum = [Double](repeating: 0, count: width)
        tokens = 0
    }

    /// Statistics from stored values (e.g. read back from a statistics file). Not validated: the caller must pass
    /// `gram.count == width²`, `absSum.count == width` and `tokens ≥ 0`.
    public init(width: Int, gram: [Double], absSum: [Double], tokens: Int) {
        self.width = width
        self.gram = gram
        self.absSum = absSum
        self.tokens = tokens
    }

    /// Mean |x| per input channel (`absSum / tokens`; zeros before any token).
    public var meanAbs: [Double] {
        tokens == 0 ? absSum : absSum.map { $0 / Double(tokens) }
    }
}
