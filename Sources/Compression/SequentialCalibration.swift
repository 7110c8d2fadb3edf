import ReferenceLM

/// What sequential calibration (`CompressionOptions.sequential`) runs: the dense model — the
/// compressor's source, loaded by the runtime — and the calibration token stream, cut into windows
/// `[BOS] + (context − 1) tokens` exactly as `Calibration.run` does.
public struct SequentialCalibration: Sendable {
    /// The original (dense) model.
    public let model: LlamaModel
    /// Calibration text tokens (no BOS), already cut to the calibration length.
    public let tokens: [Int]
    /// The BOS token opening every window.
    public let bos: Int
    /// Window length including BOS.
    public let context: Int

    /// Checks `2 ≤ context ≤` the model's context length and that there is at least one token.
    public init(model: LlamaModel, tokens: [Int], bos: Int, context: Int) throws {
        guard context >= 2, context <= model.config.contextLength else {
            throw CompressionError.invalidBudget("sequential calibration window \(context) outside 2…\(model.config.contextLength)")
        }
        guard !tokens.isEmpty else { throw CompressionError.invalidBudget("sequential calibration needs at least one token") }
        self.model = model; self.tokens = tokens; self.bos = bos; self.context = context
    }

    /// The first `maxTokens` tokens of `text` under `model`'s tokenizer.
    public init(model: LanguageModel, text: String, maxTokens: Int, context: Int = 256) throws {
        guard let bos = model.tokenizer.bosID else {
            throw CompressionError.invalidStatistics(file: "calibration text", field: "tokenizer", reason: "no BOS token")
        }
        try self.init(model: model.model, tokens: Array(model.tokenizer.encode(text, addBOS: false).prefix(max(maxTokens, 0))),
                      bos: bos, context: min(context, model.model.config.contextLength))
    }

    /// The calibration windows, each `[BOS] + up to context − 1 tokens`.
    public var windows: [[Int]] {
        stride(from: 0, to: tokens.count, by: context - 1).map { [bos] + tokens[$0 ..< min($0 + context - 1, tokens.count)] }
    }
}
