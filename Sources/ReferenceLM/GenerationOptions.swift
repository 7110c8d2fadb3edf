/// How `Generator` picks each next token.
public struct GenerationOptions: Sendable, Equatable {
    /// New tokens to produce at most.
    public var maxNewTokens: Int
    /// 0 = greedy (arg-max); otherwise sample from `softmax(logits / temperature)`.
    public var temperature: Float
    /// Seed of the sampler (SplitMix64); the same seed gives the same text.
    public var seed: UInt64
    /// Stop at EOS or BOS (llama2.c stops at BOS, which its models emit between stories).
    public var stopAtEndOfSequence: Bool

    /// Options for `Generator`; the defaults are 64 greedy tokens that stop at EOS/BOS. Values are not validated here.
    public init(maxNewTokens: Int = 64, temperature: Float = 0, seed: UInt64 = 0, stopAtEndOfSequence: Bool = true) {
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.seed = seed
        self.stopAtEndOfSequence = stopAtEndOfSequence
    }
}
