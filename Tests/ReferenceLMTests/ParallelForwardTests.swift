import Foundation
import Testing
import TensorCore
import LinearAlgebra
import Decomposition
import TestSupport
@testable import ReferenceLM

/// The threaded forward (`_Workers`, `_LinearGroup`, row-block attention), the SIMD kernels and the
/// streaming head against plain references.
@Suite struct ParallelForwardTests {
    /// A random model with 150-token windows (3 attention row blocks) whose block linears follow
    /// `kinds` per role: "d" dense, "l" low-rank, "t" tensor-train (of a dense matrix).
    static func mixedModel(kinds: [String], rank: Int = 5, seed: UInt64 = 11, tiedHead: Bool = true,
                           lowRankHead: Bool = false) throws -> LlamaModel {
        let (D, H, KV, V) = (32, 48, 16, 64)
        let c = LlamaConfig(dim: D, hiddenDim: H, layerCount: 2, headCount: 4, kvHeadCount: 2, vocabSize: V,
                            contextLength: 200, ropeLayout: .rotateHalf)
        var rng = SplitMix64(seed: seed)
        func lin(_ kind: String, _ o: Int, _ i: Int) throws -> Linear {
            switch kind {
            case "l":
                return .lowRank(a: SyntheticModelTests.randomTensor([o, rank], &rng), b: SyntheticModelTests.randomTensor([rank, i], &rng))
            case "t":
                let w = SyntheticModelTests.randomTensor([o, i], &rng, scale: 0.2)
                let m = try Matrix<Float>(rows: o, columns: i, values: w.storage)
                return .tensorTrain(try TensorTrainMatrix.decompose(m, truncation: .relativeAccuracy(1e-7), order: 2))
            default:
                return .dense(SyntheticModelTests.randomTensor([o, i], &rng, scale: 0.2))
            }
        }
        let blocks = try (0..<c.layerCount).map { l -> LlamaBlockWeights in
            let k = kinds[l % kinds.count].map(String.init)
            return LlamaBlockWeights(
                attnNorm: SyntheticModelTests.randomTensor([D], &rng).storage.map { 1 + $0 }, attnQ: try lin(k[0], D, D),
                attnK: try lin(k[1], KV, D), attnV: try lin(k[2], KV, D), attnOutput: try lin(k[3], D, D),
                ffnNorm: SyntheticModelTests.randomTensor([D], &rng).storage.map { 1 + $0 }, ffnGate: try lin(k[4], H, D),
                ffnUp: try lin(k[5], H, D), ffnDown: try lin(k[6], D, H))
        }
        let head: Linear? = tiedHead ? nil : (lowRankHead ? try lin("l", V, D) : try lin("d", V, D))
        return try LlamaModel(config: c, tokenEmbedding: SyntheticModelTests.randomTensor([V, D], &rng, scale: 1), blocks: blocks,
                              outputNorm: [Float](repeating: 1, count: D), output: head)
    }

    static func tokens(_ n: Int, vocabulary: Int = 64, seed: UInt64 = 3) -> [Int] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Int(rng.next() % UInt64(vocabulary)) }
    }

    static func logits(_ m: LlamaModel, _ tokens: [Int], threads: Int) throws -> [Float] {
        var cache = m.makeCache()
        return try m.forward(tokens, cache: &cache, threads: threads)
    }

    /// Fused q/k/v and gate/up (stacked B factors, column-split GEMMs) against the unfused plain-loop
    /// forward, for all-dense, all-low-rank and mixed dense/low-rank/TT blocks; and 2 workers against 1.
    @Test(arguments: [["ddddddd"], ["lllllll"], ["ldlddlt", "dlltldd"], ["tlldltl"]])
    func fusedThreadedForwardMatchesUnfusedReference(kinds: [String]) throws {
        let m = try Self.mixedModel(kinds: kinds)
        let tokens = Self.tokens(150)
        let one = try Self.logits(m, tokens, threads: 1)
        let two = try Self.logits(m, tokens, threads: 2)
        #expect(one.count == 150 * 64)
        #expect(Approximate.maxAbsDiff(one, two) <= 1e-5)
        #expect(Approximate.maxAbsDiff(one, try m.referenceForward(tokens)) <= 1e-4)
    }

    /// The group's stacked factors are the members' B factors in order, so one GEMM equals the separate ones.
    @Test func linearGroupStacksLowRankFactorsInOrder() throws {
        let m = try Self.mixedModel(kinds: ["ldlddll"])
        let g = m.linearGroups[0].qkv
        guard case let .lowRank(_, bq) = m.blocks[0].attnQ, case let .lowRank(_, bv) = m.blocks[0].attnV else {
            Issue.record("expected low-rank q and v"); return
        }
        #expect(g.totalRank == 10 && g.rankOffsets == [0, nil, 5])
        #expect(g.stackedB == bq.storage + bv.storage)
        #expect(m.linearGroups[0].down.stackedB == { if case let .lowRank(_, b) = m.blocks[0].ffnDown { return b.storage }; return [] }())
    }

    /// Decoding a window in pieces (a cache offset, so attention sees earlier positions) equals one window,
    /// with 1 and 2 workers.
    @Test func threadedDecodeWithCacheOffsetMatchesOneWindow() throws {
        let m = try Self.mixedModel(kinds: ["ldlddll"])
        let tokens = Self.tokens(150)
        let whole = try Self.logits(m, tokens, threads: 1)
        for threads in [1, 2] {
            var cache = m.makeCache()
            var pieces = try m.forward(Array(tokens[0..<70]), cache: &cache, threads: threads)
            pieces += try m.forward(Array(tokens[70..<140]), cache: &cache, threads: threads)
            for t in tokens[140...] { pieces += try m.forward([t], cache: &cache, threads: threads) }
            #expect(Approximate.maxAbsDiff(whole, pieces) <= 1e-5)
        }
    }

    /// The streaming per-part log-sum-exp head equals `Perplexity.negativeLogLikelihood` on full logits,
    /// for a tied, a dense and a low-rank head, with 1 and 2 workers.
    @Test(arguments: [(true, false), (false, false), (false, true)])
    func streamingHeadMatchesFullLogits(tied: Bool, lowRankHead: Bool) throws {
        let m = try Self.mixedModel(kinds: ["ddddddd"], tiedHead: tied, lowRankHead: lowRankHead)
        let tokens = Self.tokens(130)
        let targets = Array(tokens.dropFirst()) + [7]
        let full = try Self.logits(m, tokens, threads: 1)
        let expected = (0..<tokens.count).map { Perplexity.negativeLogLikelihood(full[$0 * 64 ..< ($0 + 1) * 64], target: targets[$0]) }
        for threads in [1, 2] {
            var cache = m.makeCache()
            let hidden = try m.hiddenStates(tokens, cache: &cache, threads: threads)
            let nll = try m.negativeLogLikelihoods(finalHidden: hidden, targets: targets, threads: threads)
            #expect(nll.count == expected.count)
            #expect(zip(nll, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
        var cache = m.makeCache()
        let hidden = try m.hiddenStates(tokens, cache: &cache)
        #expect(throws: ReferenceLMError.self) { try m.negativeLogLikelihoods(finalHidden: hidden, targets: Array(targets.dropLast())) }
        #expect(throws: ReferenceLMError.self) { try m.negativeLogLikelihoods(finalHidden: hidden, targets: targets.dropLast() + [64]) }
    }

    /// The vector exponential against `Foundation.exp` (Float64) over [−87, 88]: relative error ≤ 3e−7
    /// (2 ulp and a half).
    @Test func vectorExponentialIsAccurate() {
        var worst = 0.0
        var x: Float = -87
        while x <= 88 {
            var v = _Kernels.Vec()
            for j in 0..<_Kernels.lanes { v[j] = x + Float(j) * 1e-3 }
            let e = _Kernels.exp(v)
            for j in 0..<_Kernels.lanes {
                let truth = Foundation.exp(Double(v[j]))
                worst = max(worst, abs(Double(e[j]) - truth) / truth)
            }
            x += 0.0137
        }
        #expect(worst <= 3e-7)
        // Clamped outside the range, never NaN.
        let far = _Kernels.exp(_Kernels.Vec(repeating: -1000))
        #expect(far[0] >= 0 && far[0] < 1e-37)
    }

    /// Causal softmax: each row sums to 1 over the visible part, zeros after, and matches a Float64 softmax.
    @Test func causalSoftmaxMatchesFloat64() {
        var rng = SplitMix64(seed: 5)
        for visible in [1, 7, 8, 9, 37] {
            let width = 40
            var row = (0..<width).map { _ in Float(rng.nextUnit() * 20 - 10) }
            let original = row
            row.withUnsafeMutableBufferPointer { _Kernels.softmaxCausal($0.baseAddress!, visible: visible, width: width) }
            let m = original[0..<visible].max()!
            let z = original[0..<visible].reduce(0.0) { $0 + Foundation.exp(Double($1 - m)) }
            for j in 0..<visible { #expect(abs(Double(row[j]) - Foundation.exp(Double(original[j] - m)) / z) <= 1e-6) }
            #expect(row[visible...].allSatisfy { $0 == 0 })
        }
    }

    /// Shares of a range tile it exactly, in order, on multiples of the alignment.
    @Test func workerSharesTileTheRange() {
        for n in [0, 1, 7, 72, 192, 576, 1000] {
            for parts in 1...3 {
                let shares = (0..<parts).map { _Workers.share(of: n, parts: parts, part: $0, align: 8) }
                #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == n)
                for i in 1..<parts { #expect(shares[i].lowerBound == shares[i - 1].upperBound) }
                #expect(shares.dropLast().allSatisfy { $0.upperBound % 8 == 0 || $0.upperBound == n })
            }
        }
    }
}
