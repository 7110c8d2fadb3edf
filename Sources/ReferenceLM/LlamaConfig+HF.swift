import Foundation

extension LlamaConfig {
    /// Reads a Hugging Face `config.json` of a Llama-family model (`model_type` llama, mistral or
    /// qwen2 without biases): `hidden_size`, `intermediate_size`, `num_hidden_layers`,
    /// `num_attention_heads`, `num_key_value_heads` (default: heads), `vocab_size`,
    /// `max_position_embeddings` (default 2048), `rms_norm_eps` (default 1e-6), `rope_theta`
    /// (default 10000). HF checkpoints use the rotate-half RoPE layout (their Q/K rows are permuted
    /// relative to GGUF's). Returns the config and `tie_word_embeddings` (default true when absent).
    public static func huggingFace(configPath: String) throws -> (config: LlamaConfig, tiedEmbeddings: Bool) {
        func bad(_ field: String, _ reason: String) -> ReferenceLMError {
            .invalidConfig(source: configPath, field: field, reason: reason)
        }
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw ReferenceLMError.file(path: configPath, reason: "cannot read config.json")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ReferenceLMError.file(path: configPath, reason: "not a JSON object")
        }
        if let type = json["model_type"] as? String, !["llama", "mistral"].contains(type) {
            throw bad("model_type", "'\(type)' is not supported (llama, mistral)")
        }
        func int(_ key: String, _ d: Int? = nil) throws -> Int {
            if let v = json[key] {
                guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else { throw bad(key, "not an integer") }
                return i
            }
            guard let d else { throw bad(key, "missing") }
            return d
        }
        func float(_ key: String, _ d: Double) throws -> Float {
            guard let v = json[key], !(v is NSNull) else { return Float(d) }
            guard let n = v as? NSNumber else { throw bad(key, "not a number") }
            return n.floatValue
        }
        let heads = try int("num_attention_heads")
        let c = LlamaConfig(dim: try int("hidden_size"), hiddenDim: try int("intermediate_size"),
                            layerCount: try int("num_hidden_layers"), headCount: heads,
                            kvHeadCount: try int("num_key_value_heads", heads), vocabSize: try int("vocab_size"),
                            contextLength: try int("max_position_embeddings", 2048),
                            rmsNormEpsilon: try float("rms_norm_eps", 1e-6), ropeFrequencyBase: try float("rope_theta", 10000),
                            ropeLayout: .rotateHalf)
        try c.validate(source: configPath)
        return (c, (json["tie_word_embeddings"] as? Bool) ?? true)
    }
}
