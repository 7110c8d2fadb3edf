/// What a tensor is for in a decoder transformer, independent of how a checkpoint names it.
///
/// Hugging Face names (`model.layers.3.self_attn.q_proj.weight`, GPT-2's `transformer.h.3.attn.c_attn.weight`)
/// and GGUF names (`blk.3.attn_q.weight`) map to the same role, so later stages never parse strings.
public struct TensorRole: Hashable, Sendable, CustomStringConvertible {
    /// The part of the architecture a tensor belongs to.
    public enum Kind: String, CaseIterable, Sendable {
        case tokenEmbedding = "token_embd", positionEmbedding = "position_embd"
        case attnNorm = "attn_norm", attnQ = "attn_q", attnK = "attn_k", attnV = "attn_v"
        case attnQKV = "attn_qkv", attnOutput = "attn_output"
        case ffnNorm = "ffn_norm", ffnGate = "ffn_gate", ffnUp = "ffn_up", ffnDown = "ffn_down"
        case outputNorm = "output_norm", output = "output"
        case ropeFrequencies = "rope_freqs"

        /// Whether tensors of this kind are the weight matrix of a linear layer inside a block
        /// (the layers that compression factorizes).
        public var isBlockLinear: Bool {
            switch self {
            case .attnQ, .attnK, .attnV, .attnQKV, .attnOutput, .ffnGate, .ffnUp, .ffnDown: return true
            default: return false
            }
        }
    }

    /// Transformer block index, `nil` for tensors outside the blocks.
    public var layer: Int?
    /// The part of the architecture; its raw value is the GGUF name stem (`attn_q` in `blk.3.attn_q.weight`).
    public var kind: Kind
    /// Whether the tensor is a bias rather than a weight.
    public var isBias: Bool

    /// Memberwise and unchecked: `layer` should be nil exactly for the kinds outside the blocks (embeddings,
    /// `output_norm`, `output`, `rope_freqs`); `init(name:)` recognises a checkpoint's name instead.
    public init(layer: Int?, kind: Kind, isBias: Bool = false) {
        self.layer = layer
        self.kind = kind
        self.isBias = isBias
    }

    /// The GGUF name of this role (`blk.3.attn_q.weight`, `token_embd.weight`).
    public var ggufName: String {
        let suffix = isBias ? "bias" : "weight"
        if let layer { return "blk.\(layer).\(kind.rawValue).\(suffix)" }
        return "\(kind.rawValue).\(suffix)"
    }

    /// The Hugging Face Llama name of this role (`model.layers.3.self_attn.q_proj.weight`,
    /// `model.embed_tokens.weight`, `lm_head.weight`): the inverse of the HF Llama mapping in
    /// `init?(name:)`. `nil` for kinds a Llama checkpoint does not have (fused QKV, learned position
    /// embedding, `rope_freqs`).
    public var huggingFaceLlamaName: String? {
        let suffix = isBias ? "bias" : "weight"
        if let layer {
            let module: String
            switch kind {
            case .attnQ: module = "self_attn.q_proj"
            case .attnK: module = "self_attn.k_proj"
            case .attnV: module = "self_attn.v_proj"
            case .attnOutput: module = "self_attn.o_proj"
            case .ffnGate: module = "mlp.gate_proj"
            case .ffnUp: module = "mlp.up_proj"
            case .ffnDown: module = "mlp.down_proj"
            case .attnNorm: module = "input_layernorm"
            case .ffnNorm: module = "post_attention_layernorm"
            default: return nil
            }
            return "model.layers.\(layer).\(module).\(suffix)"
        }
        switch kind {
        case .tokenEmbedding: return "model.embed_tokens.\(suffix)"
        case .outputNorm: return "model.norm.\(suffix)"
        case .output: return "lm_head.\(suffix)"
        default: return nil
        }
    }

    /// A short label: `L3 attn_q`, `L3 attn_q bias`, `token_embd`.
    public var description: String {
        let base = layer.map { "L\($0) \(kind.rawValue)" } ?? kind.rawValue
        return isBias ? base + " bias" : base
    }

    /// Maps a checkpoint tensor name (HF Llama, HF GPT-2 or GGUF) to its role; `nil` when unknown.
    public init?(name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let last = parts.last, last == "weight" || last == "bias" else { return nil }
        let isBias = last == "bias"
        let stem = Array(parts.dropLast())

        func blockLayer(_ prefix: [String]) -> (Int, [String])? {
            guard stem.count > prefix.count + 1, Array(stem.prefix(prefix.count)) == prefix,
                  let n = Int(stem[prefix.count]), n >= 0 else { return nil }
            return (n, Array(stem.dropFirst(prefix.count + 1)))
        }

        // GGUF
        if let (n, rest) = blockLayer(["blk"]), rest.count == 1, let kind = Kind(rawValue: rest[0]) {
            self.init(layer: n, kind: kind, isBias: isBias); return
        }
        if stem.count == 1, let kind = Kind(rawValue: stem[0]) {
            self.init(layer: nil, kind: kind, isBias: isBias); return
        }
        // HF Llama / Mistral / Qwen
        if let (n, rest) = blockLayer(["model", "layers"]) {
            let table: [String: Kind] = [
                "self_attn.q_proj": .attnQ, "self_attn.k_proj": .attnK, "self_attn.v_proj": .attnV,
                "self_attn.o_proj": .attnOutput, "mlp.gate_proj": .ffnGate, "mlp.up_proj": .ffnUp,
                "mlp.down_proj": .ffnDown, "input_layernorm": .attnNorm, "post_attention_layernorm": .ffnNorm,
            ]
            guard let kind = table[rest.joined(separator: ".")] else { return nil }
            self.init(layer: n, kind: kind, isBias: isBias); return
        }
        // HF GPT-2 (with or without the `transformer.` prefix)
        let gpt2Stem = stem.first == "transformer" ? Array(stem.dropFirst()) : stem
        if gpt2Stem.count >= 3, gpt2Stem[0] == "h", let n = Int(gpt2Stem[1]), n >= 0 {
            let table: [String: Kind] = [
                "attn.c_attn": .attnQKV, "attn.c_proj": .attnOutput, "mlp.c_fc": .ffnUp,
                "mlp.c_proj": .ffnDown, "ln_1": .attnNorm, "ln_2": .ffnNorm,
            ]
            guard let kind = table[gpt2Stem.dropFirst(2).joined(separator: ".")] else { return nil }
            self.init(layer: n, kind: kind, isBias: isBias); return
        }
        let globals: [String: Kind] = [
            "model.embed_tokens": .tokenEmbedding, "model.norm": .outputNorm, "lm_head": .output,
            "wte": .tokenEmbedding, "wpe": .positionEmbedding, "ln_f": .outputNorm,
        ]
        if let kind = globals[gpt2Stem.joined(separator: ".")] ?? globals[stem.joined(separator: ".")] {
            self.init(layer: nil, kind: kind, isBias: isBias); return
        }
        return nil
    }
}
