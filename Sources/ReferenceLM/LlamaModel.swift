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
/// weight is applied to the whole window by GEMMs split by output columns across the workers, the
/// layers sharing an input together (`_LinearGroup`: q/k/v, gate/up); attention uses two GEMMs per
/// (row block, head). `referenceForward` computes the same function with plain loops, one token at a time.
public final class LlamaModel: Sendable {
    /// The hyper-parameters every weight shape was checked against when loading.
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
    /// Per block, the linears grouped by shared input (derived from `blocks` at init; see `_LinearGroup`).
    let linearGroups: [_BlockLinearGroups]

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
        linearGroups = blocks.map(_BlockLinearGroups.init)
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
    /// given, the input of every linear layer is recorded (see `ActivationRecorder`). `threads`: see
    /// `hiddenStates`.
    public func forward(_ tokens: [Int], cache: inout KVCache, recorder: ActivationRecorder? = nil,
                        lastOnly: Bool = false, threads: Int? = nil) throws -> [Float] {
        let D = config.dim
        // With `lastOnly` the blocks' inputs are recorded but not the head's (one row of T).
        let hidden = try hiddenStates(tokens, cache: &cache, recorder: recorder, final: !lastOnly, threads: threads)
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
    ///
    /// `threads` workers (default: `BLAS.threadCount`, at most the active processors) share every step:
    /// GEMMs split by output columns (`_LinearGroup`), attention by (row block, head), norms, RoPE and
    /// SwiGLU by rows; OpenBLAS runs single-threaded meanwhile (`BLAS.withSingleThreadedCalls`). The
    /// split never changes a sum, so results agree with one worker to rounding of GEMM blocking.
    public func hiddenStates(_ tokens: [Int], cache: inout KVCache, recorder: ActivationRecorder? = nil,
                             final: Bool = true, threads: Int? = nil) throws -> [Float] {
        let c = config
        let (T, V, KV) = (tokens.count, c.vocabSize, c.kvDim)
        guard T > 0 else { return [] }
        for t in tokens where t < 0 || t >= V { throw ReferenceLMError.tokenOutOfRange(token: t, vocabularySize: V) }
        let p0 = cache.count
        guard cache.kvDim == KV, cache.keys.count == c.layerCount else {
            throw ReferenceLMError.invalidArgument("KV cache was made for another model")
        }
        guard p0 + T <= cache.capacity else { throw ReferenceLMError.contextOverflow(position: p0 + T, capacity: cache.capacity) }
        let workers = _Workers(threads ?? BLAS.threadCount)
        return try BLAS.withSingleThreadedCalls {
            try blockStack(tokens, cache: &cache, recorder: recorder, final: final, workers: workers)
        }
    }

    /// Rows of queries per attention work item.
    static let attentionRowBlock = 64

    /// `hiddenStates` after validation, inside the single-threaded-BLAS region.
    private func blockStack(_ tokens: [Int], cache: inout KVCache, recorder: ActivationRecorder?, final: Bool,
                            workers: _Workers) throws -> [Float] {
        let c = config
        let (T, D, H, KV) = (tokens.count, c.dim, c.hiddenDim, c.kvDim)
        let p0 = cache.count
        let Tk = p0 + T                       // keys visible to the last query
        let maxRank = linearGroups.reduce(0) { Swift.max($0, $1.qkv.totalRank, $1.output.totalRank, $1.gateUp.totalRank, $1.down.totalRank) }

        if !isKnownUniquelyReferenced(&cache.workspace) { cache.workspace = _ForwardWorkspace() }
        let ws = cache.workspace
        let x = ws.buffer(0, count: T * D)         // (T, D) residual stream
        let q = ws.buffer(1, count: T * D)         // (T, D) queries
        let proj = ws.buffer(2, count: T * D)      // (T, D) output of Wo / W2, added to the stream by the next norm
        let up = ws.buffer(3, count: T * H)        // (T, H) W3·m
        let rank = ws.buffer(4, count: T * maxRank)  // (T, Σr) low-rank intermediates x·Bᵀ
        let scores = ws.buffer(5, count: workers.count * Self.attentionRowBlock * Tk)  // per worker (block, Tk) attention weights
        var n = ws.n, att = ws.att, gate = ws.gate
        (ws.n, ws.att, ws.gate) = ([], [], [])     // moved out, so that writes do not copy
        defer { (ws.n, ws.att, ws.gate) = (n, att, gate) }
        _ForwardWorkspace.sized(&n, T * D)         // (T, D) normalised input of a sub-layer
        _ForwardWorkspace.sized(&att, T * D)       // (T, D) attention output, heads side by side
        _ForwardWorkspace.sized(&gate, T * H)      // (T, H) W1·m, then silu(W1·m) ⊙ W3·m
        let rope = ropeTable(firstPosition: p0, rows: T)  // (T, hs/2) cos and sin

        return try withExtendedLifetime(ws) {
            tokenEmbedding.storage.withUnsafeBufferPointer { e in
                for (t, id) in tokens.enumerated() { (x + t * D).update(from: e.baseAddress! + id * D, count: D) }
            }
            var pending = false  // proj holds a sub-layer output not yet added to x
            for (l, b) in blocks.enumerated() {
                let g = linearGroups[l]
                // Attention sub-layer.
                addAndNormalize(x, adding: pending ? proj : nil, gain: b.attnNorm, rows: T, into: &n, workers: workers)
                recorder?.recordResidual(layer: l, beforeMLP: false, UnsafeBufferPointer(start: x, count: T * D), rows: T)
                recorder?.record(.attentionInput, layer: l, n, rows: T)
                try cache.keys[l].withUnsafeMutableBufferPointer { K in
                    try cache.values[l].withUnsafeMutableBufferPointer { Vc in
                        let (k, v) = (K.baseAddress! + p0 * KV, Vc.baseAddress! + p0 * KV)  // (T, KV) new rows of the cache
                        try n.withUnsafeBufferPointer { np in
                            try g.qkv.apply(np.baseAddress!, rows: T, outputs: [q, k, v], scratch: rank, workers: workers)
                        }
                        workers.run { w in
                            for t in workers.share(of: T, worker: w, align: 1) {
                                rotate(q + t * D, heads: c.headCount, row: t, table: rope)
                                rotate(k + t * KV, heads: c.kvHeadCount, row: t, table: rope)
                            }
                        }
                        att.withUnsafeMutableBufferPointer { A in
                            attention(q: q, keys: K.baseAddress!, values: Vc.baseAddress!, rows: T, firstPosition: p0,
                                      into: A.baseAddress!, scores: scores, workers: workers)
                        }
                    }
                }
                recorder?.record(.attentionOutputInput, layer: l, att, rows: T)
                try att.withUnsafeBufferPointer { A in
                    try g.output.apply(A.baseAddress!, rows: T, outputs: [proj], scratch: rank, workers: workers)
                }

                // SwiGLU MLP sub-layer.
                addAndNormalize(x, adding: proj, gain: b.ffnNorm, rows: T, into: &n, workers: workers)
                recorder?.recordResidual(layer: l, beforeMLP: true, UnsafeBufferPointer(start: x, count: T * D), rows: T)
                recorder?.record(.mlpInput, layer: l, n, rows: T)
                try n.withUnsafeBufferPointer { np in
                    try gate.withUnsafeMutableBufferPointer { G in
                        let gp = G.baseAddress!
                        try g.gateUp.apply(np.baseAddress!, rows: T, outputs: [gp, up], scratch: rank, workers: workers) { w in
                            // Each worker owns the same columns of gate and up (equal widths).
                            let cols = workers.share(of: H, worker: w)
                            for t in 0..<T { _Kernels.swiGLU(gp + t * H + cols.lowerBound, up + t * H + cols.lowerBound, count: cols.count) }
                        }
                    }
                }
                recorder?.record(.mlpDownInput, layer: l, gate, rows: T)
                try gate.withUnsafeBufferPointer { G in
                    try g.down.apply(G.baseAddress!, rows: T, outputs: [proj], scratch: rank, workers: workers)
                }
                pending = true
            }
            cache.count = Tk
            guard final else {
                if pending { workers.run { w in for i in workers.share(of: T * D, worker: w, align: 16) { x[i] += proj[i] } } }
                return Array(UnsafeBufferPointer(start: x, count: T * D))
            }

            // Final norm: the head's input.
            var xf = [Float](repeating: 0, count: T * D)  // (T, D)
            addAndNormalize(x, adding: pending ? proj : nil, gain: outputNorm, rows: T, into: &xf, workers: workers)
            recorder?.record(.headInput, layer: nil, xf, rows: T)
            return xf
        }
    }

    /// `x += add` (when given), then `out = RMSNorm(x)·gain`, split by rows across `workers`.
    func addAndNormalize(_ x: UnsafeMutablePointer<Float>, adding add: UnsafeMutablePointer<Float>?, gain: [Float], rows: Int,
                         into out: inout [Float], workers: _Workers) {
        let D = config.dim, eps = config.rmsNormEpsilon
        gain.withUnsafeBufferPointer { gp in
            out.withUnsafeMutableBufferPointer { op in
                let o = op.baseAddress!
                workers.run { w in
                    for t in workers.share(of: rows, worker: w, align: 1) {
                        let xr = x + t * D
                        if let add { let a = add + t * D; for i in 0..<D { xr[i] += a[i] } }
                        _Kernels.rmsNorm(xr, gain: gp.baseAddress!, width: D, epsilon: eps, into: o + t * D)
                    }
                }
            }
        }
    }

    /// Causal grouped-query attention of the window's `rows` queries (positions `firstPosition …`) over the
    /// cached keys/values `0 ..< firstPosition + rows`: for each item (block of `attentionRowBlock` rows,
    /// head h) `S = Q_h·K_hᵀ/√hs` over the keys the block can see, causal softmax per row, `A_h = S·V_h`.
    /// Worker w takes items w, w + workers, …; `scores` holds `workers · attentionRowBlock · Tk` values.
    func attention(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, rows T: Int,
                   firstPosition p0: Int, into out: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>,
                   workers: _Workers) {
        let c = config
        let (D, KV, hs, heads) = (c.dim, c.kvDim, c.headSize, c.headCount)
        let group = heads / c.kvHeadCount
        let scale = 1 / Float(hs).squareRoot()
        let block = Self.attentionRowBlock
        let items = (T + block - 1) / block * heads
        workers.run { w in
            let S = scores + w * block * (p0 + T)
            var item = w
            while item < items {
                let (rb, h) = (item / heads, item % heads)
                let r0 = rb * block, r1 = Swift.min(T, r0 + block)
                let visible = p0 + r1  // keys the block's last row sees
                let kvh = h / group
                // S (r1−r0, visible) = Q_h (r1−r0, hs) · K_hᵀ (hs, visible) / √hs
                BLAS.gemm(transB: true, m: r1 - r0, n: visible, k: hs, alpha: scale, a: q + r0 * D + h * hs, lda: D,
                          b: keys + kvh * hs, ldb: KV, c: S, ldc: visible)
                for t in 0..<(r1 - r0) { _Kernels.softmaxCausal(S + t * visible, visible: p0 + r0 + t + 1, width: visible) }
                // A_h (r1−r0, hs) = S · V_h (visible, hs)
                BLAS.gemm(m: r1 - r0, n: hs, k: visible, a: S, lda: visible, b: values + kvh * hs, ldb: KV,
                          c: out + r0 * D + h * hs, ldc: D)
                item += workers.count
            }
        }
    }

    /// `out[r] = x[r] / sqrt(mean(x[r]²) + ε) · gain`, per row of width D (sum of squares in Float64).
    func rmsNorm(_ x: [Float], gain: [Float], rows: Int, into out: inout [Float]) {
        let D = config.dim
        x.withUnsafeBufferPointer { xp in
            gain.withUnsafeBufferPointer { gp in
                out.withUnsafeMutableBufferPointer { op in
                    for r in 0..<rows {
                        _Kernels.rmsNorm(xp.baseAddress! + r * D, gain: gp.baseAddress!, width: D, epsilon: config.rmsNormEpsilon,
                                         into: op.baseAddress! + r * D)
                    }
                }
            }
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

    /// Rotates each of `heads` heads of one row (at the table's row `row`) per `config.ropeLayout`.
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, row t: Int, table: (cos: [Float], sin: [Float])) {
        let hs = config.headSize, half = hs / 2
        let adjacent = config.ropeLayout == .adjacentPairs
        table.cos.withUnsafeBufferPointer { cp in
            table.sin.withUnsafeBufferPointer { sp in
                let (co, si) = (cp.baseAddress! + t * half, sp.baseAddress! + t * half)
                for h in 0..<heads {
                    let base = x + h * hs
                    if adjacent {
                        for i in 0..<half {
                            let (a, b) = (base[2 * i], base[2 * i + 1])
                            base[2 * i] = a * co[i] - b * si[i]
                            base[2 * i + 1] = a * si[i] + b * co[i]
                        }
                    } else {
                        for i in 0..<half {
                            let (a, b) = (base[i], base[i + half])
                            base[i] = a * co[i] - b * si[i]
                            base[i + half] = a * si[i] + b * co[i]
                        }
                    }
                }
            }
        }
    }
}
