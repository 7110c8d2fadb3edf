import Foundation
import LinearAlgebra

extension LlamaModel {
    /// Vocabulary rows per head GEMM in `negativeLogLikelihoods` (a (T, 512) logits block stays in cache).
    static let headChunk = 512

    /// `−log softmax(Wout · h_t)[target_t]` for every row `h_t` of `finalHidden` (T, D) from
    /// `hiddenStates(final: true)`, without holding (T, V) logits.
    ///
    /// The vocabulary is cut into `threads` parts (default `BLAS.threadCount`), each cut into blocks of
    /// `headChunk` rows of the head: one single-threaded GEMM per block, then a streaming log-sum-exp
    /// per row (running maximum `m`, running `s = Σ e^(ℓ−m)` rescaled by `e^(m_old − m_new)` when `m`
    /// grows; exps in Float32, summed
    /// eight per lane in Float32, then in Float64), and the parts are merged as
    /// `lse = M + log Σ_w s_w·e^(m_w − M)`. Every head weight is read once per call. Agrees with
    /// `Perplexity.negativeLogLikelihood` on full logits to ~1e-6 (tested).
    public func negativeLogLikelihoods(finalHidden: [Float], targets: [Int], threads: Int? = nil) throws -> [Double] {
        let (D, V, T) = (config.dim, config.vocabSize, targets.count)
        guard finalHidden.count == T * D else {
            throw ReferenceLMError.invalidArgument("\(finalHidden.count) hidden values for \(T) targets of width \(D)")
        }
        for t in targets where t < 0 || t >= V { throw ReferenceLMError.tokenOutOfRange(token: t, vocabularySize: V) }
        guard T > 0 else { return [] }
        // The head as `weight (V, k)` applied to `input (T, k)`: the hidden states for a dense head,
        // x·Bᵀ (T, r) for a low-rank head `A·B` (then the weight is A).
        let input: [Float], weight: [Float], k: Int
        switch output {
        case let .dense(w):
            (input, weight, k) = (finalHidden, w.storage, D)
        case let .lowRank(a, b):
            let r = b.shape[0]
            var t = [Float](repeating: 0, count: T * r)
            finalHidden.withUnsafeBufferPointer { xp in
                b.storage.withUnsafeBufferPointer { bp in
                    t.withUnsafeMutableBufferPointer { tp in
                        BLAS.gemm(transB: true, m: T, n: r, k: D, a: xp.baseAddress!, lda: D, b: bp.baseAddress!, ldb: D,
                                  c: tp.baseAddress!, ldc: r)
                    }
                }
            }
            (input, weight, k) = (t, a.storage, r)
        case .tensorTrain:
            var row = [Float](repeating: 0, count: V)  // (V) one row of logits
            return try (0..<T).map { t in
                try logits(finalHidden: finalHidden, rows: t ..< t + 1, into: &row)
                return Perplexity.negativeLogLikelihood(row[...], target: targets[t])
            }
        }
        let workers = _Workers(threads ?? BLAS.threadCount)
        let W = workers.count, C = Self.headChunk
        var maxima = [Float](repeating: -.infinity, count: W * T)  // (W, T) running maximum per part
        var sums = [Double](repeating: 0, count: W * T)            // (W, T) Σ e^(ℓ − m) per part
        var targetLogits = [Float](repeating: 0, count: T)         // (T) ℓ[target], written by the part holding it
        let blocks = _Scratch(W * T * C)                           // per worker (T, C) logits
        withExtendedLifetime(blocks) {
            input.withUnsafeBufferPointer { xp in
                weight.withUnsafeBufferPointer { wp in
                    maxima.withUnsafeMutableBufferPointer { mp in
                        sums.withUnsafeMutableBufferPointer { sp in
                            targetLogits.withUnsafeMutableBufferPointer { tp in
                                let (x, wt, M, S, tl) = (xp.baseAddress!, wp.baseAddress!, mp.baseAddress!, sp.baseAddress!, tp.baseAddress!)
                                BLAS.withSingleThreadedCalls {
                                    workers.run { w in
                                        let part = workers.share(of: V, worker: w, align: 16)
                                        let L = blocks.p + w * T * C
                                        var v0 = part.lowerBound
                                        while v0 < part.upperBound {
                                            let cw = Swift.min(C, part.upperBound - v0)
                                            BLAS.gemm(transB: true, m: T, n: cw, k: k, a: x, lda: k, b: wt + v0 * k, ldb: k, c: L, ldc: cw)
                                            for t in 0..<T {
                                                let row = L + t * cw
                                                Self.accumulateLogSumExp(row, count: cw, max: &M[w * T + t], sum: &S[w * T + t])
                                                let target = targets[t]
                                                if target >= v0, target < v0 + cw { tl[t] = row[target - v0] }
                                            }
                                            v0 += cw
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<T).map { t in
            var m = -Float.infinity
            for w in 0..<W { m = Swift.max(m, maxima[w * T + t]) }
            var s = 0.0
            for w in 0..<W where sums[w * T + t] > 0 { s += sums[w * T + t] * Foundation.exp(Double(maxima[w * T + t] - m)) }
            return Double(m) + Foundation.log(s) - Double(targetLogits[t])
        }
    }

    /// Folds `count` logits into a running `(max, sum)` with `sum = Σ e^(ℓ − max)`.
    static func accumulateLogSumExp(_ row: UnsafePointer<Float>, count: Int, max m: inout Float, sum s: inout Double) {
        typealias Vec = _Kernels.Vec
        var mv = Vec(repeating: -.infinity)
        var i = 0
        while i + _Kernels.lanes <= count { mv = _Kernels.maximum(mv, _Kernels.load(row + i)); i += _Kernels.lanes }
        var cm = mv.max()
        while i < count { cm = Swift.max(cm, row[i]); i += 1 }
        if cm > m {
            if s > 0 { s *= Foundation.exp(Double(m - cm)) }
            m = cm
        }
        let mm = m
        var acc = 0.0
        i = 0
        let group = 8 * _Kernels.lanes
        while i + group <= count {
            // Eight exps per lane summed in Float32 (≤ 8 ulp), then the lanes in Float64.
            var g = Vec()
            for j in stride(from: i, to: i + group, by: _Kernels.lanes) { g += _Kernels.exp(_Kernels.load(row + j) - mm) }
            for j in 0..<_Kernels.lanes { acc += Double(g[j]) }
            i += group
        }
        while i + _Kernels.lanes <= count {
            let e = _Kernels.exp(_Kernels.load(row + i) - mm)
            for j in 0..<_Kernels.lanes { acc += Double(e[j]) }
            i += _Kernels.lanes
        }
        if i < count {
            var v = Vec(repeating: -.infinity)
            for j in 0..<(count - i) { v[j] = row[i + j] - mm }
            let e = _Kernels.exp(v)
            for j in 0..<(count - i) { acc += Double(e[j]) }
        }
        s += acc
    }
}
