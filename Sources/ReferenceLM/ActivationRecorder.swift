import WeightFormats
import LinearAlgebra

/// Accumulates, while a `LlamaModel` runs calibration text, the Gram matrix `Σ xᵀx` (Float64) and
/// the per-channel `Σ |x|` of the input of every linear layer, plus the token count.
///
/// These are the statistics measurement-aware SVD needs: SVD-LLM (Wang et al. 2024) whitens with a
/// Cholesky factor of `XᵀX`; ASVD (Yuan et al. 2023) scales channels by mean |x|. Layers that read
/// the same input share one site (`ActivationSite`): q/k/v share `blk.N.attn_qkv`, gate/up share
/// `blk.N.ffn_gate_up`. Save with `save(to:metadata:)`, load with `ActivationRecorder(contentsOf:)`.
public final class ActivationRecorder {
    /// Statistics by key (`ActivationSite.key(layer:)`).
    public private(set) var statistics: [String: ActivationStatistics] = [:]
    /// Whether to record the head's input (`output`) as well as the blocks' layers.
    public var recordsHead: Bool
    /// Σₜ ‖xₜ‖² of the residual stream entering each sub-layer, by key `blk.N.attn_residual` (before
    /// the attention RMSNorm) and `blk.N.ffn_residual` (before the MLP RMSNorm), over the same rows as
    /// the sites' statistics. Saved as `<key>.energy` F64 (1) by `save(to:metadata:)`. Used to weigh a
    /// sub-layer's output error against the stream it is added to (`AllocationLoss.residualStream`).
    public internal(set) var residualSumSquares: [String: Double] = [:]

    /// An empty recorder; `recordsHead: false` skips the LM head's input (a `dim × dim` Gram that only head
    /// compression needs).
    public init(recordsHead: Bool = true) {
        self.recordsHead = recordsHead
    }

    /// Wraps statistics loaded from a file.
    public init(statistics: [String: ActivationStatistics]) {
        self.statistics = statistics
        self.recordsHead = statistics["output"] != nil
    }

    /// The statistics a linear layer of `role` reads, if recorded.
    public func statistics(for role: TensorRole) -> ActivationStatistics? {
        guard let site = ActivationSite(reading: role.kind) else { return nil }
        return statistics[site.key(layer: role.layer)]
    }

    /// Adds `rows` rows of `x` (rows, width), row-major, to the site's statistics.
    public func record(_ site: ActivationSite, layer: Int?, _ x: [Float], rows: Int) {
        guard rows > 0, site != .headInput || recordsHead else { return }
        let n = x.count / rows
        let key = site.key(layer: layer)
        var s = statistics[key] ?? ActivationStatistics(width: n)
        guard s.width == n else { return }
        statistics[key] = nil  // unique ownership: mutate the arrays in place
        let xd = x.map(Double.init)  // (rows, n)
        xd.withUnsafeBufferPointer { xp in
            s.gram.withUnsafeMutableBufferPointer { gp in
                // gram (n, n) += Xᵀ (n, rows) · X (rows, n)
                BLAS.gemm(transA: true, m: n, n: n, k: rows, alpha: 1, a: xp.baseAddress!, lda: n,
                          b: xp.baseAddress!, ldb: n, beta: 1, c: gp.baseAddress!, ldc: n)
            }
        }
        for r in 0..<rows {
            for i in 0..<n { s.absSum[i] += abs(xd[r * n + i]) }
        }
        s.tokens += rows
        statistics[key] = s
    }

    /// The residual-stream key of `layer` before its attention (`beforeMLP == false`) or MLP sub-layer.
    public static func residualKey(layer: Int, beforeMLP: Bool) -> String {
        "blk.\(layer)." + (beforeMLP ? "ffn_residual" : "attn_residual")
    }

    /// Adds `Σ ‖x_r‖²` (Float64) of `rows` rows of the residual stream `x` (rows, D) to its key.
    public func recordResidual(layer: Int, beforeMLP: Bool, _ x: [Float], rows: Int) {
        x.withUnsafeBufferPointer { recordResidual(layer: layer, beforeMLP: beforeMLP, $0, rows: rows) }
    }

    /// The same for a buffer of the residual stream (the runtime's forward holds it in scratch memory).
    public func recordResidual(layer: Int, beforeMLP: Bool, _ x: UnsafeBufferPointer<Float>, rows: Int) {
        guard rows > 0 else { return }
        var s = 0.0
        for v in x.prefix(rows * (x.count / rows)) { s += Double(v) * Double(v) }
        residualSumSquares[Self.residualKey(layer: layer, beforeMLP: beforeMLP), default: 0] += s
    }
}
