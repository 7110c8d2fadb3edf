/// The weights of one transformer block (shapes for width D, hidden H, KV width KV = kvHeads·headSize).
public struct LlamaBlockWeights: Sendable {
    /// RMSNorm gain before attention. (D)
    public var attnNorm: [Float]
    /// Query projection. (D, D)
    public var attnQ: Linear
    /// Key projection. (KV, D)
    public var attnK: Linear
    /// Value projection. (KV, D)
    public var attnV: Linear
    /// Attention output projection. (D, D)
    public var attnOutput: Linear
    /// RMSNorm gain before the MLP. (D)
    public var ffnNorm: [Float]
    /// SwiGLU gate `W1`. (H, D)
    public var ffnGate: Linear
    /// SwiGLU up `W3`. (H, D)
    public var ffnUp: Linear
    /// SwiGLU down `W2`. (D, H)
    public var ffnDown: Linear

    /// A block from its weights, unchecked; `LlamaModel`'s loader checks each shape against the config.
    public init(attnNorm: [Float], attnQ: Linear, attnK: Linear, attnV: Linear, attnOutput: Linear,
                ffnNorm: [Float], ffnGate: Linear, ffnUp: Linear, ffnDown: Linear) {
        self.attnNorm = attnNorm
        self.attnQ = attnQ
        self.attnK = attnK
        self.attnV = attnV
        self.attnOutput = attnOutput
        self.ffnNorm = ffnNorm
        self.ffnGate = ffnGate
        self.ffnUp = ffnUp
        self.ffnDown = ffnDown
    }

    /// The linear layers with their roles' kinds, in forward order.
    public var linears: [(kind: String, linear: Linear)] {
        [("attn_q", attnQ), ("attn_k", attnK), ("attn_v", attnV), ("attn_output", attnOutput),
         ("ffn_gate", ffnGate), ("ffn_up", ffnUp), ("ffn_down", ffnDown)]
    }
}
