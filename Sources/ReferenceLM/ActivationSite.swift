import WeightFormats

/// A point in the forward pass whose activations feed one or more linear layers. Layers that read
/// the same input share one site (and one Gram matrix).
public enum ActivationSite: String, Sendable, CaseIterable, Codable {
    /// RMSNorm output before attention; input of `attn_q`, `attn_k`, `attn_v`. Width D.
    case attentionInput = "attn_qkv"
    /// Concatenated head outputs; input of `attn_output`. Width D.
    case attentionOutputInput = "attn_output"
    /// RMSNorm output before the MLP; input of `ffn_gate`, `ffn_up`. Width D.
    case mlpInput = "ffn_gate_up"
    /// `silu(gate) ⊙ up`; input of `ffn_down`. Width H.
    case mlpDownInput = "ffn_down"
    /// Final RMSNorm output; input of the output head. Width D.
    case headInput = "output"

    /// The site whose activations a linear layer of `kind` reads, or `nil` for non-linear tensors.
    public init?(reading kind: TensorRole.Kind) {
        switch kind {
        case .attnQ, .attnK, .attnV, .attnQKV: self = .attentionInput
        case .attnOutput: self = .attentionOutputInput
        case .ffnGate, .ffnUp: self = .mlpInput
        case .ffnDown: self = .mlpDownInput
        case .output: self = .headInput
        default: return nil
        }
    }

    /// The statistics key of this site in `layer` (`blk.3.attn_qkv`, `output`).
    public func key(layer: Int?) -> String {
        if let layer { return "blk.\(layer).\(rawValue)" }
        return rawValue
    }
}
