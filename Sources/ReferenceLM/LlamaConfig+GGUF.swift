import WeightFormats

extension LlamaConfig {
    /// Reads the config from GGUF metadata (`general.architecture` = `llama`, keys `llama.*`), as
    /// llama.cpp does: `embedding_length`, `feed_forward_length`, `block_count`,
    /// `attention.head_count`, `attention.head_count_kv` (default: head_count), `context_length`,
    /// `attention.layer_norm_rms_epsilon` (default 1e-5), `rope.freq_base` (default 10000). The
    /// vocabulary size is the length of `tokenizer.ggml.tokens`, else `llama.vocab_size`, else the
    /// embedding's row count. RoPE in GGUF llama files rotates adjacent pairs.
    public init(ggufMetadata m: [String: MetadataValue], embeddingRows: Int?, source: String) throws {
        guard let arch = m["general.architecture"]?.stringValue else {
            throw ReferenceLMError.invalidConfig(source: source, field: "general.architecture", reason: "missing")
        }
        guard arch == "llama" else {
            throw ReferenceLMError.invalidConfig(source: source, field: "general.architecture",
                                                 reason: "'\(arch)' is not supported (only llama)")
        }
        func int(_ key: String, default d: Int? = nil) throws -> Int {
            if let v = m["\(arch).\(key)"] {
                guard let i = v.intValue else {
                    throw ReferenceLMError.invalidConfig(source: source, field: "\(arch).\(key)", reason: "not an integer")
                }
                return i
            }
            guard let d else { throw ReferenceLMError.invalidConfig(source: source, field: "\(arch).\(key)", reason: "missing") }
            return d
        }
        func float(_ key: String, default d: Float) throws -> Float {
            guard let v = m["\(arch).\(key)"] else { return d }
            guard let x = v.doubleValue else {
                throw ReferenceLMError.invalidConfig(source: source, field: "\(arch).\(key)", reason: "not a number")
            }
            return Float(x)
        }
        let heads = try int("attention.head_count")
        let vocab = m["tokenizer.ggml.tokens"]?.arrayValue?.count ?? m["\(arch).vocab_size"]?.intValue ?? embeddingRows
        guard let vocab else {
            throw ReferenceLMError.invalidConfig(source: source, field: "tokenizer.ggml.tokens", reason: "vocabulary size unknown")
        }
        self.init(dim: try int("embedding_length"), hiddenDim: try int("feed_forward_length"),
                  layerCount: try int("block_count"), headCount: heads,
                  kvHeadCount: try int("attention.head_count_kv", default: heads), vocabSize: vocab,
                  contextLength: try int("context_length", default: 2048),
                  rmsNormEpsilon: try float("attention.layer_norm_rms_epsilon", default: 1e-5),
                  ropeFrequencyBase: try float("rope.freq_base", default: 10000), ropeLayout: .adjacentPairs)
        try validate(source: source)
        if let rd = m["\(arch).rope.dimension_count"]?.intValue, rd != headSize {
            throw ReferenceLMError.invalidConfig(source: source, field: "\(arch).rope.dimension_count",
                                                 reason: "partial RoPE (\(rd) of \(headSize)) is not supported")
        }
    }
}
