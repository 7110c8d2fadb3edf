import Foundation
import TensorCore

extension DenseExport {
    /// How a safetensors export names and lays out a Llama checkpoint for Hugging Face tools.
    struct HuggingFaceLayout {
        /// Source tensor name → exported (HF Llama) name.
        var names: [String: String]
        /// Source Q/K tensor name → heads, for tensors held in GGUF's adjacent-pair RoPE layout that
        /// must be moved to HF's rotate-half layout.
        var permuted: [String: Int]
        /// The `config.json` text to write beside the export, or `nil` (an HF-named source without
        /// a `config.json` beside it).
        var config: String?
    }

    /// The HF layout of `source`, or `nil` when it is not a Llama checkpoint whose every tensor
    /// has an HF Llama name (then the export keeps the source's names and writes no `config.json`).
    ///
    /// Tensors named the GGUF way (`blk.N.attn_q.weight`: GGUF and llama2.c sources, and compressed
    /// checkpoints of them) hold the adjacent-pair RoPE layout, so their Q (and K, with the KV head
    /// count) rows are moved to rotate-half as `RoPERowPermutation` states; HF-named tensors
    /// already hold rotate-half and are copied. The config comes from the `llama.*` keys (GGUF,
    /// llama2.c header, a compressed checkpoint's recorded source metadata), or is the
    /// `config.json` beside an HF-named source.
    static func huggingFaceLayout(_ source: any WeightSource, dtype: DType) throws -> HuggingFaceLayout? {
        var names: [String: String] = [:]
        var ggufNamed = false
        for t in source.tensors {
            guard let hf = t.role?.huggingFaceLlamaName else { return nil }
            names[t.name] = hf
            if hf != t.name { ggufNamed = true }
        }
        guard Set(names.values).count == names.count else { return nil }
        if !ggufNamed {
            let beside = ((source.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("config.json")
            let config = FileManager.default.contents(atPath: beside).map { String(decoding: $0, as: UTF8.self) }
            return HuggingFaceLayout(names: names, permuted: [:], config: config)
        }
        var meta: [String: MetadataValue] = [:]
        for (k, v) in sourceGGUFMetadata(source) { meta[k] = v }
        guard meta["general.architecture"]?.stringValue == "llama",
              let config = huggingFaceConfig(meta, source: source, dtype: dtype) else { return nil }
        let heads = meta["llama.attention.head_count"]?.intValue ?? 0
        let kvHeads = meta["llama.attention.head_count_kv"]?.intValue ?? heads
        var permuted: [String: Int] = [:]
        for t in source.tensors where names[t.name] != t.name {
            switch t.role?.kind {
            case .attnQ?: permuted[t.name] = heads
            case .attnK?: permuted[t.name] = kvHeads
            default: break
            }
        }
        return HuggingFaceLayout(names: names, permuted: permuted, config: config)
    }

    /// A transformers `LlamaForCausalLM` `config.json` from GGUF-style `llama.*` keys, or `nil`
    /// when a required key is missing or the model uses what HF Llama cannot express (partial RoPE).
    /// `vocab_size` is the token embedding's row count; `tie_word_embeddings` is true when the
    /// source has no separate output head.
    static func huggingFaceConfig(_ m: [String: MetadataValue], source: any WeightSource, dtype: DType) -> String? {
        func int(_ k: String) -> Int? { m["llama.\(k)"]?.intValue }
        guard let dim = int("embedding_length"), let ff = int("feed_forward_length"), let layers = int("block_count"),
              let heads = int("attention.head_count"), heads > 0, dim % heads == 0 else { return nil }
        let headSize = dim / heads
        if let rd = int("rope.dimension_count"), rd != headSize { return nil }
        if let kl = int("attention.key_length"), kl != headSize { return nil }
        let kv = int("attention.head_count_kv") ?? heads
        guard let vocab = source.info(for: TensorRole(layer: nil, kind: .tokenEmbedding))?.shape.first ?? int("vocab_size") else { return nil }
        /// Float32 metadata printed at its shortest round-trip form (1e-05, not 9.99999974e-06).
        func real(_ k: String, _ d: Double) -> String {
            guard let v = m[k] else { return "\(d)" }
            if case let .float32(f) = v { return "\(f)" }
            return "\(v.doubleValue ?? d)"
        }
        let tied = source.info(for: TensorRole(layer: nil, kind: .output)) == nil
        let torchDType = switch dtype {
        case .f16: "float16"
        case .bf16: "bfloat16"
        default: "float32"
        }
        var fields: [(String, String)] = [
            ("architectures", "[\"LlamaForCausalLM\"]"), ("model_type", "\"llama\""),
            ("hidden_size", "\(dim)"), ("intermediate_size", "\(ff)"), ("num_hidden_layers", "\(layers)"),
            ("num_attention_heads", "\(heads)"), ("num_key_value_heads", "\(kv)"), ("head_dim", "\(headSize)"),
            ("hidden_act", "\"silu\""), ("max_position_embeddings", "\(int("context_length") ?? 2048)"),
            ("rms_norm_eps", real("llama.attention.layer_norm_rms_epsilon", 1e-5)),
            ("rope_theta", real("llama.rope.freq_base", 10000)), ("rope_scaling", "null"),
            ("vocab_size", "\(vocab)"), ("tie_word_embeddings", tied ? "true" : "false"),
            ("attention_bias", source.info(for: TensorRole(layer: 0, kind: .attnQ, isBias: true)) == nil ? "false" : "true"),
            ("mlp_bias", "false"), ("torch_dtype", "\"\(torchDType)\""),
        ]
        for (key, name) in [("bos_token_id", "tokenizer.ggml.bos_token_id"), ("eos_token_id", "tokenizer.ggml.eos_token_id")] {
            if let id = m[name]?.intValue { fields.append((key, "\(id)")) }
        }
        return "{\n" + fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// Writes `text` to `path` atomically (temporary file, fsync, rename).
    static func writeAtomically(_ text: String, to path: String) throws {
        let f = try AtomicFile(path: path)
        try f.write(text)
        try f.commit()
    }
}

extension DenseExport {
    /// How a GGUF export renames and lays out a checkpoint in Hugging Face Llama names.
    struct GGUFLayout {
        /// Source tensor name → GGUF name.
        var names: [String: String]
        /// Source Q/K tensor name → heads, rows to move from rotate-half to adjacent pairs.
        var permuted: [String: Int]
        /// `llama.*` keys (and `general.name`) from the `config.json` beside the source.
        var metadata: [(key: String, value: MetadataValue)]
    }

    /// For a source whose tensors all carry HF Llama names (an HF checkpoint, or a compressed
    /// checkpoint of one): GGUF names, Q/K rows moved to adjacent pairs as llama.cpp's
    /// `convert_hf_to_gguf.py` does (`RoPERowPermutation`), and the `llama.*` keys from the
    /// `config.json` beside the source. `nil` for any other source. Throws `.invalid` naming the
    /// file when the `config.json` is missing, unreadable or not a Llama/Mistral config.
    static func ggufLayout(_ source: any WeightSource) throws -> GGUFLayout? {
        var names: [String: String] = [:]
        for t in source.tensors {
            guard let role = t.role, role.huggingFaceLlamaName == t.name else { return nil }
            names[t.name] = role.ggufName
        }
        guard !names.isEmpty else { return nil }
        let configPath = ((source.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("config.json")
        func bad(_ field: String, _ reason: String) -> WeightFormatError {
            .invalid(file: configPath, field: field, offset: 0, reason: reason)
        }
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw WeightFormatError.invalid(file: source.path, field: "config.json", offset: 0,
                                            reason: "a Hugging Face checkpoint exports to GGUF with the config.json beside it, and there is none")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw bad("config.json", "not a JSON object") }
        if let type = json["model_type"] as? String, !["llama", "mistral"].contains(type) {
            throw bad("model_type", "'\(type)' is not a Llama-family model (llama, mistral)")
        }
        func int(_ key: String, _ d: Int? = nil) throws -> Int {
            guard let v = json[key], !(v is NSNull) else {
                guard let d else { throw bad(key, "missing") }
                return d
            }
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue), i >= 0, i <= Int(UInt32.max) else { throw bad(key, "not a count") }
            return i
        }
        func real(_ key: String, _ d: Double) throws -> Float {
            guard let v = json[key], !(v is NSNull) else { return Float(d) }
            guard let n = v as? NSNumber, n.doubleValue.isFinite else { throw bad(key, "not a finite number") }
            return n.floatValue
        }
        let dim = try int("hidden_size"), heads = try int("num_attention_heads")
        guard heads > 0, dim % heads == 0 else { throw bad("num_attention_heads", "\(heads) does not divide hidden_size \(dim)") }
        let kv = try int("num_key_value_heads", heads), headSize = try int("head_dim", dim / heads)
        var metadata: [(key: String, value: MetadataValue)] = [
            ("general.name", .string((json["_name_or_path"] as? String) ?? ((source.path as NSString).lastPathComponent))),
            ("llama.context_length", .uint32(UInt32(try int("max_position_embeddings", 2048)))),
            ("llama.embedding_length", .uint32(UInt32(dim))),
            ("llama.feed_forward_length", .uint32(UInt32(try int("intermediate_size")))),
            ("llama.block_count", .uint32(UInt32(try int("num_hidden_layers")))),
            ("llama.attention.head_count", .uint32(UInt32(heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(kv))),
            ("llama.rope.dimension_count", .uint32(UInt32(headSize))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(try real("rms_norm_eps", 1e-6))),
            ("llama.rope.freq_base", .float32(try real("rope_theta", 10000))),
        ]
        if let v = source.info(for: TensorRole(layer: nil, kind: .tokenEmbedding))?.shape.first {
            metadata.append(("llama.vocab_size", .uint32(UInt32(clamping: v))))
        }
        var permuted: [String: Int] = [:]
        for t in source.tensors {
            switch t.role?.kind {
            case .attnQ?: permuted[t.name] = heads
            case .attnK?: permuted[t.name] = kv
            default: break
            }
        }
        return GGUFLayout(names: names, permuted: permuted, metadata: metadata)
    }
}
