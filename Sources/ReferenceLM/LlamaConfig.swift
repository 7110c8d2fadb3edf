import WeightFormats

/// Hyper-parameters of a Llama-family decoder (RMSNorm, GQA attention with RoPE, SwiGLU MLP).
public struct LlamaConfig: Sendable, Equatable, Codable {
    /// Model width `D`.
    public var dim: Int
    /// SwiGLU hidden width `H`.
    public var hiddenDim: Int
    /// Number of transformer blocks `L`.
    public var layerCount: Int
    /// Query heads.
    public var headCount: Int
    /// Key/value heads (GQA: each serves `headCount / kvHeadCount` query heads).
    public var kvHeadCount: Int
    /// Vocabulary size `V`.
    public var vocabSize: Int
    /// Trained context length (the default KV cache capacity).
    public var contextLength: Int
    /// ε in RMSNorm `x / sqrt(mean(x²) + ε) · w`.
    public var rmsNormEpsilon: Float
    /// RoPE base θ.
    public var ropeFrequencyBase: Float
    /// Which coordinates RoPE pairs.
    public var ropeLayout: RopeLayout

    /// A config from explicit values; defaults are Llama 2's (ε = 1e-5, θ = 10000, adjacent-pair RoPE as in `run.c`).
    /// Not checked here: call `validate(source:)`.
    public init(dim: Int, hiddenDim: Int, layerCount: Int, headCount: Int, kvHeadCount: Int, vocabSize: Int,
                contextLength: Int, rmsNormEpsilon: Float = 1e-5, ropeFrequencyBase: Float = 10000,
                ropeLayout: RopeLayout = .adjacentPairs) {
        self.dim = dim
        self.hiddenDim = hiddenDim
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeFrequencyBase = ropeFrequencyBase
        self.ropeLayout = ropeLayout
    }

    /// The config `run.c` uses for a llama2.c header: ε = 1e-5, θ = 10000, adjacent-pair RoPE.
    public init(llama2c h: Llama2CHeader) {
        self.init(dim: h.dim, hiddenDim: h.hiddenDim, layerCount: h.layerCount, headCount: h.headCount,
                  kvHeadCount: h.kvHeadCount, vocabSize: h.vocabSize, contextLength: h.sequenceLength)
    }

    /// `dim / headCount`.
    public var headSize: Int { dim / headCount }
    /// `kvHeadCount · headSize`.
    public var kvDim: Int { kvHeadCount * headSize }

    /// Checks the rules the forward pass relies on; `source` names the checkpoint in errors.
    public func validate(source: String) throws {
        let positive: [(String, Int)] = [("dim", dim), ("hidden_dim", hiddenDim), ("layer_count", layerCount),
                                         ("head_count", headCount), ("head_count_kv", kvHeadCount),
                                         ("vocab_size", vocabSize), ("context_length", contextLength)]
        for (f, v) in positive where v <= 0 {
            throw ReferenceLMError.invalidConfig(source: source, field: f, reason: "must be positive, found \(v)")
        }
        guard dim % headCount == 0 else {
            throw ReferenceLMError.invalidConfig(source: source, field: "head_count", reason: "\(headCount) does not divide dim \(dim)")
        }
        guard headCount % kvHeadCount == 0 else {
            throw ReferenceLMError.invalidConfig(source: source, field: "head_count_kv", reason: "\(kvHeadCount) does not divide \(headCount) heads")
        }
        guard headSize % 2 == 0 else {
            throw ReferenceLMError.invalidConfig(source: source, field: "head_count", reason: "head size \(headSize) is odd")
        }
        guard rmsNormEpsilon.isFinite, rmsNormEpsilon > 0 else {
            throw ReferenceLMError.invalidConfig(source: source, field: "rms_norm_eps", reason: "must be finite and positive")
        }
        guard ropeFrequencyBase.isFinite, ropeFrequencyBase > 1 else {
            throw ReferenceLMError.invalidConfig(source: source, field: "rope_freq_base", reason: "must be finite and > 1")
        }
    }
}
