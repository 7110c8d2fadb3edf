import Testing
import TensorCore
import LinearAlgebra
import Decomposition
import TestSupport
@testable import ReferenceLM

/// Tests on small random models (no shared data needed).
@Suite struct SyntheticModelTests {
    static func randomTensor(_ shape: [Int], _ rng: inout SplitMix64, scale: Float = 0.3) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, storage: (0..<n).map { _ in Float(rng.nextUnit() * 2 - 1) * scale })!
    }

    static func randomModel(layout: RopeLayout, seed: UInt64 = 7, tied: Bool = true, lowRank: Bool = false) throws -> LlamaModel {
        let c = LlamaConfig(dim: 16, hiddenDim: 24, layerCount: 2, headCount: 4, kvHeadCount: 2, vocabSize: 40,
                            contextLength: 32, ropeLayout: layout)
        var rng = SplitMix64(seed: seed)
        func lin(_ o: Int, _ i: Int) -> Linear {
            lowRank ? .lowRank(a: randomTensor([o, 3], &rng), b: randomTensor([3, i], &rng)) : .dense(randomTensor([o, i], &rng))
        }
        let blocks = (0..<c.layerCount).map { _ in
            LlamaBlockWeights(attnNorm: randomTensor([16], &rng).storage.map { 1 + $0 }, attnQ: lin(16, 16), attnK: lin(8, 16),
                              attnV: lin(8, 16), attnOutput: lin(16, 16), ffnNorm: randomTensor([16], &rng).storage.map { 1 + $0 },
                              ffnGate: lin(24, 16), ffnUp: lin(24, 16), ffnDown: lin(16, 24))
        }
        return try LlamaModel(config: c, tokenEmbedding: randomTensor([40, 16], &rng, scale: 1), blocks: blocks,
                              outputNorm: [Float](repeating: 1, count: 16), output: tied ? nil : .dense(randomTensor([40, 16], &rng)))
    }

    @Test(arguments: [RopeLayout.adjacentPairs, .rotateHalf])
    func batchedForwardMatchesNaiveReference(layout: RopeLayout) throws {
        for lowRank in [false, true] {
            let m = try Self.randomModel(layout: layout, tied: !lowRank, lowRank: lowRank)
            let tokens = [1, 5, 9, 33, 2, 17, 39, 0, 8, 8, 12]
            var cache = m.makeCache()
            let fast = try m.forward(tokens, cache: &cache)
            let slow = try m.referenceForward(tokens)
            #expect(Approximate.maxAbsDiff(fast, slow) <= 1e-4)
            #expect(cache.count == tokens.count)
        }
    }

    /// Text none of whose bytes has a piece, in a vocabulary without `<0xNN>` fallback or a space
    /// piece: encodes to BOS only (it used to trap on the empty symbol list).
    @Test func unencodableTextGivesOnlyBOS() throws {
        let tok = Llama2CTokenizer(pieces: [Array("<unk>".utf8), Array("<s>".utf8), Array("</s>".utf8), Array("a".utf8), Array("b".utf8)],
                                   scores: [0, 0, 0, -1, -2])
        #expect(tok.encode("日本", addBOS: true) == [1])
        #expect(tok.encode("日本", addBOS: false) == [])
        #expect(tok.encode("ab", addBOS: false) == [3, 4])
    }

    @Test func cachedDecodeInPiecesMatchesOneWindow() throws {
        let m = try Self.randomModel(layout: .adjacentPairs)
        let tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
        var c1 = m.makeCache()
        let whole = try m.forward(tokens, cache: &c1)
        var c2 = m.makeCache()
        var pieces = try m.forward(Array(tokens[0..<4]), cache: &c2)
        for t in tokens[4...] { pieces += try m.forward([t], cache: &c2) }
        #expect(Approximate.maxAbsDiff(whole, pieces) <= 1e-5)
        var c3 = m.makeCache()
        let last = try m.forward(tokens, cache: &c3, lastOnly: true)
        #expect(Approximate.maxAbsDiff(last, whole.suffix(40)) <= 1e-6)
    }

    @Test func ropeLayoutsDifferButAgreeUnderQKPermutation() throws {
        // HF's rotate-half layout with Q/K rows permuted (per head: evens then odds) computes the same
        // function as the adjacent-pair layout on the original rows.
        let adj = try Self.randomModel(layout: .adjacentPairs)
        let hs = adj.config.headSize
        func permute(_ lin: Linear, heads: Int) -> Linear {
            guard case let .dense(w) = lin else { return lin }
            let cols = w.shape[1]
            var out = w
            for h in 0..<heads {
                for i in 0..<hs {
                    let src = h * hs + (i < hs / 2 ? 2 * i : 2 * (i - hs / 2) + 1)
                    for c in 0..<cols { out.storage[(h * hs + i) * cols + c] = w.storage[src * cols + c] }
                }
            }
            return .dense(out)
        }
        var c = adj.config
        c.ropeLayout = .rotateHalf
        let blocks = adj.blocks.map { b -> LlamaBlockWeights in
            var b = b
            b.attnQ = permute(b.attnQ, heads: c.headCount)
            b.attnK = permute(b.attnK, heads: c.kvHeadCount)
            return b
        }
        let hf = try LlamaModel(config: c, tokenEmbedding: adj.tokenEmbedding, blocks: blocks, outputNorm: adj.outputNorm, output: nil)
        let plain = try LlamaModel(config: c, tokenEmbedding: adj.tokenEmbedding, blocks: adj.blocks, outputNorm: adj.outputNorm, output: nil)
        let tokens = [4, 8, 15, 16, 23, 39]
        var k1 = adj.makeCache(), k2 = hf.makeCache(), k3 = plain.makeCache()
        let a = try adj.forward(tokens, cache: &k1)
        let b = try hf.forward(tokens, cache: &k2)
        let wrong = try plain.forward(tokens, cache: &k3)
        #expect(Approximate.maxAbsDiff(a, b) <= 1e-5)
        #expect(Approximate.maxAbsDiff(a, wrong) > 1e-3)
    }

    @Test func lowRankLinearEqualsDenseProduct() throws {
        var rng = SplitMix64(seed: 3)
        let a = Self.randomTensor([7, 3], &rng), b = Self.randomTensor([3, 5], &rng)
        let dense = Linear.dense(BLASProduct.product(a, b))
        let low = try Linear.lowRank(a: a, b: b, name: "w", source: "test")
        let x = Self.randomTensor([4, 5], &rng).storage
        #expect(Approximate.maxAbsDiff(try low.apply(x, rows: 4), try dense.apply(x, rows: 4)) <= 1e-6)
        #expect(low.parameterCount == 7 * 3 + 3 * 5)
        #expect(Approximate.maxAbsDiff(try low.referenceApply(x[0..<5]), try dense.apply(Array(x[0..<5]), rows: 1)) <= 1e-6)
        #expect(throws: ReferenceLMError.self) { try Linear.lowRank(a: a, b: a, name: "w", source: "test") }
    }

    @Test func badInputIsRefused() throws {
        let m = try Self.randomModel(layout: .adjacentPairs)
        var cache = m.makeCache(capacity: 4)
        #expect(throws: ReferenceLMError.tokenOutOfRange(token: 40, vocabularySize: 40)) { try m.forward([1, 40], cache: &cache) }
        #expect(throws: ReferenceLMError.contextOverflow(position: 5, capacity: 4)) { try m.forward([1, 2, 3, 4, 5], cache: &cache) }
        var c = m.config
        c.kvHeadCount = 3
        #expect(throws: ReferenceLMError.self) {
            try LlamaModel(config: c, tokenEmbedding: m.tokenEmbedding, blocks: m.blocks, outputNorm: m.outputNorm, output: nil)
        }
        #expect(throws: ReferenceLMError.self) {
            try LlamaModel(config: m.config, tokenEmbedding: m.tokenEmbedding, blocks: Array(m.blocks.prefix(1)), outputNorm: m.outputNorm, output: nil)
        }
        #expect(throws: ReferenceLMError.self) { try Perplexity.evaluate(model: m, tokens: [1, 2], bos: 1, context: 1) }
    }

    @Test func seededSamplingIsReproducible() throws {
        let m = try Self.randomModel(layout: .adjacentPairs)
        let o1 = GenerationOptions(maxNewTokens: 12, temperature: 1, seed: 42, stopAtEndOfSequence: false)
        let a = try Generator.generate(model: m, prompt: [1], options: o1)
        let b = try Generator.generate(model: m, prompt: [1], options: o1)
        var o2 = o1
        o2.seed = 43
        let c = try Generator.generate(model: m, prompt: [1], options: o2)
        #expect(a == b && a.count == 12)
        #expect(a != c)
    }

    @Test func perplexityOfAUniformModelIsTheVocabularySize() throws {
        // Zero head weights give uniform logits: NLL = log V for every token, ppl = V exactly.
        let m = try Self.randomModel(layout: .adjacentPairs)
        let flat = try LlamaModel(config: m.config, tokenEmbedding: m.tokenEmbedding, blocks: m.blocks, outputNorm: m.outputNorm,
                                  output: .dense(Tensor(zeros: [40, 16])))
        let r = try Perplexity.evaluate(model: flat, tokens: Array(repeating: 5, count: 50), bos: 1, context: 8)
        #expect(abs(r.perplexity - 40) < 1e-9)
        #expect(r.tokens == 50 && r.windows == 8)  // 7 full windows of 7 tokens + 1 of 1
    }
}

/// Small helper so the tests need no LinearAlgebra import of their own.
enum BLASProduct {
    static func product(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (m, k) = a.matrixShape!, n = b.shape[1]
        var c = Tensor(zeros: [m, n])
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c.storage[i * n + j] += a.storage[i * k + p] * b.storage[p * n + j] } } }
        return c
    }
}

@Suite struct TensorTrainLinearTests {
    @Test func tensorTrainLinearMatchesTheMatrixItEncodes() throws {
        var rng = SplitMix64(seed: 11)
        let w = SyntheticModelTests.randomTensor([24, 16], &rng)
        let m = try Matrix<Float>(rows: 24, columns: 16, values: w.storage)
        let tt = try TensorTrainMatrix.decompose(m, truncation: .relativeAccuracy(1e-7), order: 2)
        let lin = Linear.tensorTrain(tt)
        #expect(lin.outFeatures == 24 && lin.inFeatures == 16)
        let x = SyntheticModelTests.randomTensor([5, 16], &rng).storage
        #expect(Approximate.maxAbsDiff(try lin.apply(x, rows: 5), try Linear.dense(w).apply(x, rows: 5)) <= 1e-4)
        #expect(Approximate.maxAbsDiff(try lin.referenceApply(x[0..<16]), try Linear.dense(w).apply(Array(x[0..<16]), rows: 1)) <= 1e-4)
    }

    @Test func modelWithTensorTrainLinearsRunsNatively() throws {
        let base = try SyntheticModelTests.randomModel(layout: .adjacentPairs)
        func tt(_ l: Linear) throws -> Linear {
            guard case let .dense(w) = l else { return l }
            let m = try Matrix<Float>(rows: w.shape[0], columns: w.shape[1], values: w.storage)
            return .tensorTrain(try TensorTrainMatrix.decompose(m, truncation: .relativeAccuracy(1e-7), order: 2))
        }
        let blocks = try base.blocks.map { b -> LlamaBlockWeights in
            var b = b
            b.ffnUp = try tt(b.ffnUp)
            b.attnQ = try tt(b.attnQ)
            return b
        }
        let m = try LlamaModel(config: base.config, tokenEmbedding: base.tokenEmbedding, blocks: blocks, outputNorm: base.outputNorm, output: nil)
        let tokens = [2, 7, 1, 8, 2, 8]
        var c1 = m.makeCache(), c2 = base.makeCache()
        let a = try m.forward(tokens, cache: &c1)
        #expect(Approximate.maxAbsDiff(a, try base.forward(tokens, cache: &c2)) <= 1e-3)
        #expect(Approximate.maxAbsDiff(a, try m.referenceForward(tokens)) <= 1e-4)
    }

    @Test func recordedStatisticsConvertForDecomposition() throws {
        let rec = ActivationRecorder()
        rec.record(.attentionInput, layer: 0, [1, 2, 3, 4], rows: 2)
        let c = try #require(rec.statistics["blk.0.attn_qkv"]).calibrationStatistics()
        #expect(c.gram?.values == [10, 14, 14, 20] && c.meanAbsolute == [2, 3] && c.sampleCount == 2)
    }
}

@Suite struct LinearShapeTests {
    @Test func malformedLinearsAreRefusedByTheModel() throws {
        let m = try SyntheticModelTests.randomModel(layout: .adjacentPairs)
        for bad in [Linear.dense(Tensor(zeros: [16])), .lowRank(a: Tensor(zeros: [16, 3]), b: Tensor(zeros: [4, 16]))] {
            var blocks = m.blocks
            blocks[1].attnQ = bad
            #expect(throws: ReferenceLMError.self) {
                try LlamaModel(config: m.config, tokenEmbedding: m.tokenEmbedding, blocks: blocks, outputNorm: m.outputNorm, output: nil)
            }
        }
    }
}
