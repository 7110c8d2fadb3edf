import Foundation
import LinearAlgebra

extension LlamaModel {
    /// The token embedding rows of `tokens`: the residual stream entering block 0. (T, D)
    public func embedding(_ tokens: [Int]) throws -> [Float] {
        let D = config.dim, V = config.vocabSize
        var x = [Float](repeating: 0, count: tokens.count * D)
        try tokenEmbedding.storage.withUnsafeBufferPointer { e in
            for (t, id) in tokens.enumerated() {
                guard id >= 0, id < V else { throw ReferenceLMError.tokenOutOfRange(token: id, vocabularySize: V) }
                for i in 0..<D { x[t * D + i] = e[id * D + i] }
            }
        }
        return x
    }

    /// Runs block `layer` alone on the residual stream `x` (T, D) of one window that starts at
    /// position 0 (a fresh cache: attention sees only these T rows), in place — the same arithmetic as
    /// one iteration of `hiddenStates`, so `embedding` followed by every block in order equals
    /// `hiddenStates(_:cache:final: false)` on a fresh cache (tested). `observe(site, input)` is called
    /// with the input (T, width) of each of the block's four activation sites as it is computed.
    ///
    /// This is what sequential calibration needs: keep the residual streams of the calibration
    /// windows for the original and the partially compressed model, and advance both one block at a
    /// time, instead of re-running every earlier block for every layer.
    public func runBlock(_ layer: Int, residual x: inout [Float], rows T: Int,
                         observe: ((ActivationSite, [Float]) throws -> Void)? = nil) throws {
        let c = config
        let (D, H, KV, hs) = (c.dim, c.hiddenDim, c.kvDim, c.headSize)
        guard layer >= 0, layer < blocks.count else { throw ReferenceLMError.invalidArgument("block \(layer) of \(blocks.count)") }
        guard T > 0, x.count == T * D else { throw ReferenceLMError.invalidArgument("residual of \(x.count) values for \(T) rows of \(D)") }
        guard T <= c.contextLength else { throw ReferenceLMError.contextOverflow(position: T, capacity: c.contextLength) }
        let b = blocks[layer]
        let group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(hs).squareRoot()
        var n = [Float](repeating: 0, count: T * D)       // (T, D) normalised input of a sub-layer
        var q = [Float](repeating: 0, count: T * D)       // (T, D) queries
        var k = [Float](repeating: 0, count: T * KV)      // (T, KV) keys
        var v = [Float](repeating: 0, count: T * KV)      // (T, KV) values
        var att = [Float](repeating: 0, count: T * D)     // (T, D) attention output, heads side by side
        var scores = [Float](repeating: 0, count: T * T)  // (T, T) one head's attention weights
        var proj = [Float](repeating: 0, count: T * D)    // (T, D) output of Wo / W2
        var gate = [Float](repeating: 0, count: T * H)    // (T, H)
        var up = [Float](repeating: 0, count: T * H)      // (T, H)
        let rope = ropeTable(firstPosition: 0, rows: T)

        rmsNorm(x, gain: b.attnNorm, rows: T, into: &n)
        try observe?(.attentionInput, n)
        try b.attnQ.apply(n, rows: T, into: &q)
        try b.attnK.apply(n, rows: T, into: &k)
        try b.attnV.apply(n, rows: T, into: &v)
        q.withUnsafeMutableBufferPointer { Q in
            k.withUnsafeMutableBufferPointer { K in
                for t in 0..<T {
                    rotate(Q.baseAddress! + t * D, heads: c.headCount, row: t, table: rope)
                    rotate(K.baseAddress! + t * KV, heads: c.kvHeadCount, row: t, table: rope)
                }
            }
        }
        k.withUnsafeBufferPointer { K in
            v.withUnsafeBufferPointer { Vc in
                q.withUnsafeBufferPointer { Q in
                    att.withUnsafeMutableBufferPointer { A in
                        scores.withUnsafeMutableBufferPointer { S in
                            for h in 0..<c.headCount {
                                let kvh = h / group
                                BLAS.gemm(transB: true, m: T, n: T, k: hs, alpha: scale, a: Q.baseAddress! + h * hs, lda: D,
                                          b: K.baseAddress! + kvh * hs, ldb: KV, c: S.baseAddress!, ldc: T)
                                for t in 0..<T { _Kernels.softmaxCausal(S.baseAddress! + t * T, visible: t + 1, width: T) }
                                BLAS.gemm(m: T, n: hs, k: T, a: S.baseAddress!, lda: T, b: Vc.baseAddress! + kvh * hs, ldb: KV,
                                          c: A.baseAddress! + h * hs, ldc: D)
                            }
                        }
                    }
                }
            }
        }
        try observe?(.attentionOutputInput, att)
        try b.attnOutput.apply(att, rows: T, into: &proj)
        for i in 0..<(T * D) { x[i] += proj[i] }

        rmsNorm(x, gain: b.ffnNorm, rows: T, into: &n)
        try observe?(.mlpInput, n)
        try b.ffnGate.apply(n, rows: T, into: &gate)
        try b.ffnUp.apply(n, rows: T, into: &up)
        for i in 0..<(T * H) {
            let g = gate[i]
            gate[i] = g / (1 + Foundation.exp(-g)) * up[i]
        }
        try observe?(.mlpDownInput, gate)
        try b.ffnDown.apply(gate, rows: T, into: &proj)
        for i in 0..<(T * D) { x[i] += proj[i] }
    }
}
