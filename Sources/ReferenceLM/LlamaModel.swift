import Foundation
import LinearAlgebra
import TensorCore
import WeightFormats

/// A Llama-family decoder held as Float32 weights, with a batched BLAS forward pass.
///
/// Reads top to bottom: config, weights, run state (`KVCache`), `forward`. For tokens `t₀…t_{T−1}` at
/// positions `p₀…p₀+T−1` each block computes
///
///     h  = x + Wo · Attn(RoPE(Wq·n), RoPE(Wk·n), Wv·n),   n = RMSNorm(x)·g_attn
///     x' = h + W2 · (silu(W1·m) ⊙ W3·m),                    m = RMSNorm(h)·g_ffn
///
/// with causal grouped-query attention `softmax(q·kᵀ/√hs)·v` over all cached positions, then
/// `logits = Wout · RMSNorm(x)·g_out` (Wout is the token embedding when the head is tied). Each
/// weight is applied to the whole window with one GEMM (`Linear.apply`); attention uses two GEMMs per
/// head. `referenceForward` computes the same function with plain loops, one token at a time.
public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    /// Token embedding. (V, D)
    public let tokenEmbedding: Tensor
    /// Transformer blocks. (L)
    public let blocks: [LlamaBlockWeights]
    /// Final RMSNorm gain. (D)
    public let outputNorm: [Float]
    /// Output head. (V, D); shares the embedding's storage when tied.
    public let output: Linear
    /// Whether `output` is the token embedding.
    public let tiedOutput: Bool
    /// RoPE inverse frequencies `θ^(−2i/hs)`. (hs/2)
    let inverseFrequencies: [Double]

    /// Assembles a model, checking every shape against `config`; `source` names the checkpoint in errors.
    public init(config: LlamaConfig, tokenEmbedding: Tensor, blocks: [LlamaBlockWeights], outputNorm: [Float],
                output: Linear?, source: String = "model") throws {
        try config.validate(source: source)
        let (D, H, V, KV) = (config.dim, config.hiddenDim, config.vocabSize, config.kvDim)
        func check(_ name: String, _ found: [Int], _ expected: [Int]) throws {
            guard found == expected else {
                throw ReferenceLMError.shapeMismatch(source: source, tensor: name, expected: expected, found: found)
            }
        }
        try check("token_embd.weight", tokenEmbedding.shape, [V, D])
        guard blocks.count == config.layerCount else {
            throw ReferenceLMError.invalidConfig(source: source, field: "block_count",
                                                 reason: "\(blocks.count) blocks for \(config.layerCount) layers")
        }
        for (l, b) in blocks.enumerated() {
            let p = "blk.\(l)."
            try check(p + "attn_norm.weight", [b.attnNorm.count], [D])
            try check(p + "ffn_norm.weight", [b.ffnNorm.count], [D])
            let expected: [(String, Linear, Int, Int)] = [
                ("attn_q", b.attnQ, D, D), ("attn_k", b.attnK, KV, D), ("attn_v", b.attnV, KV, D),
                ("attn_output", b.attnOutput, D, D), ("ffn_gate", b.ffnGate, H, D), ("ffn_up", b.ffnUp, H, D),
                ("ffn_down", b.ffnDown, D, H),
            ]
            for (kind, lin, o, i) in expected {
                try check(p + kind + ".weight", [lin.outFeatures, lin.inFeatures], [o, i])
                if case let .lowRank(a, b) = lin, a.shape[1] != b.shape[0] {
                    throw ReferenceLMError.shapeMismatch(source: source, tensor: p + kind + ".weight", expected: [a.shape[1], i], found: b.shape)
                }
            }
        }
        try check("output_norm.weight", [outputNorm.count], [D])
        if let output { try check("output.weight", [output.outFeatures, output.inFeatures], [V, D]) }
        self.config = config
        self.tokenEmbedding = tokenEmbedding
        self.blocks = blocks
        self.outputNorm = outputNorm
        self.output = output ?? .dense(tokenEmbedding)
        self.tiedOutput = output == nil
        let hs = config.headSize
        inverseFrequencies = (0..<(hs / 2)).map { Foundation.pow(Double(config.ropeFrequencyBase), -Double(2 * $0) / Double(hs)) }
    }

    /// Loads every tensor of a Llama checkpoint by role (GGUF names, HF names, or a llama2.c file's
    /// GGUF-style names), checking shapes against `config` and that every weight is finite. The head
    /// is tied when the source has no `output` tensor.
    public convenience init(source: WeightSource, config: LlamaConfig) throws {
        let name = source.path
        func tensor(_ role: TensorRole) throws -> Tensor {
            guard let info = source.info(for: role) else { throw ReferenceLMError.missingTensor(source: name, name: role.ggufName) }
            let t: Tensor
            do { t = try source.float32(info.name) } catch let e as WeightFormatError { throw ReferenceLMError.weights(e) }
            if let bad = t.firstNonFiniteIndex() { throw ReferenceLMError.nonFinite(source: name, tensor: info.name, index: bad) }
            return t
        }
        func vector(_ role: TensorRole) throws -> [Float] { try tensor(role).storage }
        func linear(_ role: TensorRole) throws -> Linear { try Linear.dense(tensor(role), name: role.ggufName, source: name) }
        var blocks: [LlamaBlockWeights] = []
        for l in 0..<max(0, config.layerCount) {
            func r(_ k: TensorRole.Kind) -> TensorRole { TensorRole(layer: l, kind: k) }
            blocks.append(LlamaBlockWeights(
                attnNorm: try vector(r(.attnNorm)), attnQ: try linear(r(.attnQ)), attnK: try linear(r(.attnK)),
                attnV: try linear(r(.attnV)), attnOutput: try linear(r(.attnOutput)), ffnNorm: try vector(r(.ffnNorm)),
                ffnGate: try linear(r(.ffnGate)), ffnUp: try linear(r(.ffnUp)), ffnDown: try linear(r(.ffnDown))))
        }
        let outputRole = TensorRole(layer: nil, kind: .output)
        let output = source.info(for: outputRole) == nil ? nil : try linear(outputRole)
        try self.init(config: config, tokenEmbedding: try tensor(TensorRole(layer: nil, kind: .tokenEmbedding)),
                      blocks: blocks, outputNorm: try vector(TensorRole(layer: nil, kind: .outputNorm)),
                      output: output, source: name)
    }

    /// A fresh KV cache holding `capacity` positions (default: the trained context length).
    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(config: config, capacity: capacity ?? config.contextLength)
    }

    /// Runs `tokens` at positions `cache.count …` and appends their keys and values to `cache`.
    ///
    /// Returns logits (T, V) row-major, or only the last row (V) when `lastOnly`. When `recorder` is
    /// given, the input of every linear layer is recorded (see `ActivationRecorder`).
    public func forward(_ tokens: [Int], cache: inout KVCache, recorder: ActivationRecorder? = nil,
                        lastOnly: Bool = false) throws -> [Float] {
        let D = config.dim
        // With `lastOnly` the blocks' inputs are recorded but not the head's (one row of T).
        let hidden = try hiddenStates(tokens, cache: &cache, recorder: recorder, final: !lastOnly)
        guard !hidden.isEmpty else { return [] }
        let rows = lastOnly ? 1 : tokens.count
        var xf = Array(hidden[(hidden.count - rows * D)...])  // (rows, D)
        if lastOnly { rmsNorm(Array(xf), gain: outputNorm, rows: 1, into: &xf) }
        var logits = [Float](repeating: 0, count: rows * config.vocabSize)  // (rows, V)
        try output.apply(xf, rows: rows, into: &logits)
        return logits
    }

    /// The head applied to rows `range` of `finalHidden` (from `hiddenStates(final: true)`), written
    /// into `logits` (at least `range.count · V` values): lets callers score long windows in blocks
    /// without holding (T, V) logits.
    public func logits(finalHidden: [Float], rows range: Range<Int>, into logits: inout [Float]) throws {
        let D = config.dim
        try Array(finalHidden[range.lowerBound * D ..< range.upperBound * D]).withUnsafeBufferPointer { xp in
            try logits.withUnsafeMutableBufferPointer { lp in
                try output.apply(xp.baseAddress!, rows: range.count, into: lp.baseAddress!)
            }
        }
    }

    /// The residual stream after the last block for `tokens` (T, D), RMS-normalised with the final
    /// gain when `final` (the head's input, recorded as `output`); appends keys/values to `cache`.
    public func hiddenStates(_ tokens: [Int], cache: inout KVCache, recorder: ActivationRecorder? = nil,
                             final: Bool = true) throws -> [Float] {
        let c = config
        let (T, D, H, V, KV, hs) = (tokens.count, c.dim, c.hiddenDim, c.vocabSize, c.kvDim, c.headSize)
        guard T > 0 else { return [] }
        for t in tokens where t < 0 || t >= V { throw ReferenceLMError.tokenOutOfRange(token: t, vocabularySize: V) }
        let p0 = cache.count
        guard cache.kvDim == KV, cache.keys.count == c.layerCount else {
            throw ReferenceLMError.invalidArgument("KV cache was made for another model")
        }
        guard p0 + T <= cache.capacity else { throw ReferenceLMError.contextOverflow(position: p0 + T, capacity: cache.capacity) }
        let Tk = p0 + T                       // keys visible to the last query
        let group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(hs).squareRoot()

        var x = [Float](repeating: 0, count: T * D)       // (T, D) residual stream
        var n = [Float](repeating: 0, count: T * D)       // (T, D) normalised input of a sub-layer
        var q = [Float](repeating: 0, count: T * D)       // (T, D) queries
        var k = [Float](repeating: 0, count: T * KV)      // (T, KV) new keys
        var v = [Float](repeating: 0, count: T * KV)      // (T, KV) new values
        var att = [Float](repeating: 0, count: T * D)     // (T, D) attention output, heads side by side
        var scores = [Float](repeating: 0, count: T * Tk) // (T, Tk) one head's attention weights
        var proj = [Float](repeating: 0, count: T * D)    // (T, D) output of Wo / W2
        var gate = [Float](repeating: 0, count: T * H)    // (T, H) W1·m, then silu(W1·m) ⊙ W3·m
        var up = [Float](repeating: 0, count: T * H)      // (T, H) W3·m

        let rope = ropeTable(firstPosition: p0, rows: T)  // (T, hs/2) cos and sin
        tokenEmbedding.storage.withUnsafeBufferPointer { e in
            for (t, id) in tokens.enumerated() {
                for i in 0..<D { x[t * D + i] = e[id * D + i] }
            }
        }

        for (l, b) in blocks.enumerated() {
            // Attention sub-layer.
            recorder?.recordResidual(layer: l, beforeMLP: false, x, rows: T)
            rmsNorm(x, gain: b.attnNorm, rows: T, into: &n)
            recorder?.record(.attentionInput, layer: l, n, rows: T)
            try b.attnQ.apply(n, rows: T, into: &q)
            try b.attnK.apply(n, rows: T, into: &k)
            try b.attnV.apply(n, rows: T, into: &v)
            applyRoPE(&q, rows: T, heads: c.headCount, table: rope)
            applyRoPE(&k, rows: T, heads: c.kvHeadCount, table: rope)
            cache.keys[l].replaceSubrange(p0 * KV ..< Tk * KV, with: k)
            cache.values[l].replaceSubrange(p0 * KV ..< Tk * KV, with: v)
            cache.keys[l].withUnsafeBufferPointer { K in
                cache.values[l].withUnsafeBufferPointer { Vc in
                    q.withUnsafeBufferPointer { Q in
                        att.withUnsafeMutableBufferPointer { A in
                            scores.withUnsafeMutableBufferPointer { S in
                                for h in 0..<c.headCount {
                                    let kvh = h / group
                                    // S (T, Tk) = Q_h (T, hs) · K_hᵀ (hs, Tk) / √hs
                                    BLAS.gemm(transB: true, m: T, n: Tk, k: hs, alpha: scale, a: Q.baseAddress! + h * hs, lda: D,
                                              b: K.baseAddress! + kvh * hs, ldb: KV, c: S.baseAddress!, ldc: Tk)
                                    for t in 0..<T { softmaxCausal(S.baseAddress! + t * Tk, visible: p0 + t + 1, width: Tk) }
                                    // A_h (T, hs) = S (T, Tk) · V_h (Tk, hs)
                                    BLAS.gemm(m: T, n: hs, k: Tk, a: S.baseAddress!, lda: Tk, b: Vc.baseAddress! + kvh * hs, ldb: KV,
                                              c: A.baseAddress! + h * hs, ldc: D)
                                }
                            }
                        }
                    }
                }
            }
            recorder?.record(.attentionOutputInput, layer: l, att, rows: T)
            try b.attnOutput.apply(att, rows: T, into: &proj)
            for i in 0..<(T * D) { x[i] += proj[i] }

            // SwiGLU MLP sub-layer.
            recorder?.recordResidual(layer: l, beforeMLP: true, x, rows: T)
            rmsNorm(x, gain: b.ffnNorm, rows: T, into: &n)
            recorder?.record(.mlpInput, layer: l, n, rows: T)
            try b.ffnGate.apply(n, rows: T, into: &gate)
            try b.ffnUp.apply(n, rows: T, into: &up)
            for i in 0..<(T * H) {
                let g = gate[i]
                gate[i] = g / (1 + Foundation.exp(-g)) * up[i]
            }
            recorder?.record(.mlpDownInput, layer: l, gate, rows: T)
            try b.ffnDown.apply(gate, rows: T, into: &proj)
            for i in 0..<(T * D) { x[i] += proj[i] }
        }
        cache.count = Tk
        guard final else { return x }

        // Final norm: the head's input.
        var xf = [Float](repeating: 0, count: T * D)  // (T, D)
        rmsNorm(x, gain: outputNorm, rows: T, into: &xf)
        recorder?.record(.headInput, layer: nil, xf, rows: T)
        return xf
    }

    /// `out[r] = x[r] / sqrt(mean(x[r]²) + ε) · gain`, per row of width D (sum of squares in Float64).
    func rmsNorm(_ x: [Float], gain: [Float], rows: Int, into out: inout [Float]) {
        let D = config.dim
        for r in 0..<rows {
            var ss = 0.0
            for i in 0..<D { let v = Double(x[r * D + i]); ss += v * v }
            let s = Float(1 / (ss / Double(D) + Double(config.rmsNormEpsilon)).squareRoot())
            for i in 0..<D { out[r * D + i] = x[r * D + i] * s * gain[i] }
        }
    }

    /// cos and sin of `p · θ^(−2i/hs)` for positions `firstPosition ..< firstPosition + rows`,
    /// each (rows, hs/2), computed in Float64 once per forward pass.
    func ropeTable(firstPosition: Int, rows: Int) -> (cos: [Float], sin: [Float]) {
        let half = config.headSize / 2
        var c = [Float](repeating: 0, count: rows * half), s = c
        for t in 0..<rows {
            let p = Double(firstPosition + t)
            for i in 0..<half {
                let a = p * inverseFrequencies[i]
                c[t * half + i] = Float(Foundation.cos(a))
                s[t * half + i] = Float(Foundation.sin(a))
            }
        }
        return (c, s)
    }

    /// Rotates each head of each row (row t at the table's position t) per `config.ropeLayout`.
    func applyRoPE(_ x: inout [Float], rows: Int, heads: Int, table: (cos: [Float], sin: [Float])) {
        let hs = config.headSize, half = hs / 2, width = heads * hs
        for t in 0..<rows {
            for h in 0..<heads {
                let base = t * width + h * hs
                for i in 0..<half {
                    let (i0, i1) = config.ropeLayout == .adjacentPairs ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + i + half)
                    let (a, b) = (x[i0], x[i1])
                    let (co, si) = (table.cos[t * half + i], table.sin[t * half + i])
                    x[i0] = a * co - b * si
                    x[i1] = a * si + b * co
                }
            }
        }
    }

    /// In-place softmax over the first `visible` entries of a row of `width`; the rest become 0.
    func softmaxCausal(_ row: UnsafeMutablePointer<Float>, visible: Int, width: Int) {
        var m = -Float.infinity
        for j in 0..<visible { m = max(m, row[j]) }
        var sum: Float = 0
        for j in 0..<visible { let e = Foundation.exp(row[j] - m); row[j] = e; sum += e }
        let inv = 1 / sum
        for j in 0..<visible { row[j] *= inv }
        for j in visible..<width { row[j] = 0 }
    }
}
