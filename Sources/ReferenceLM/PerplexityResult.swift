/// The outcome of `Perplexity.evaluate`: see docs/EVALUATION.md for the protocol.
public struct PerplexityResult: Sendable, Codable, Equatable {
    /// Window length including BOS (`--ctx`).
    public var context: Int
    /// Tokens scored (predictions).
    public var tokens: Int
    /// Windows evaluated.
    public var windows: Int
    /// Mean negative log-likelihood per scored token, in nats.
    public var meanNLL: Double
    /// `exp(meanNLL)`.
    public var perplexity: Double
    /// Wall-clock seconds of the forward passes.
    public var seconds: Double
    /// Tokens evaluated per second (`tokens / seconds`).
    public var tokensPerSecond: Double
}
