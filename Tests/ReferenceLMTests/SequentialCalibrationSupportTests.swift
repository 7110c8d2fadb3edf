import Testing
import TensorCore
import LinearAlgebra
import TestSupport
@testable import ReferenceLM

/// The runtime pieces sequential calibration stands on: block-by-block forward, paired statistics,
/// residual-stream energies.
@Suite struct SequentialCalibrationSupportTests {
    @Test(arguments: [RopeLayout.adjacentPairs, .rotateHalf])
    func blocksInOrderEqualHiddenStatesAndObserveWhatTheRecorderRecords(layout: RopeLayout) throws {
        let m = try SyntheticModelTests.randomModel(layout: layout)
        let tokens = [1, 5, 9, 33, 2, 17, 39, 0, 8, 8, 12]
        var cache = m.makeCache()
        let recorder = ActivationRecorder()
        let reference = try m.hiddenStates(tokens, cache: &cache, recorder: recorder, final: false)
        var x = try m.embedding(tokens)
        var observed: [String: [Float]] = [:]
        for l in 0..<m.blocks.count {
            try m.runBlock(l, residual: &x, rows: tokens.count) { site, input in observed[site.key(layer: l)] = input }
        }
        #expect(Approximate.maxAbsDiff(x, reference) <= 1e-5)
        // Each observed site input reproduces the recorder's Gram of that site.
        #expect(observed.count == 4 * m.blocks.count)
        for (key, input) in observed {
            let s = try #require(recorder.statistics[key])
            let n = s.width, rows = tokens.count
            var g = [Double](repeating: 0, count: n * n)
            for r in 0..<rows { for i in 0..<n { for j in 0..<n { g[i * n + j] += Double(input[r * n + i]) * Double(input[r * n + j]) } } }
            #expect(Approximate.maxAbsDiff(g, s.gram) <= 1e-3 * max(1, s.gram.map(abs).max() ?? 1), "\(key)")
        }
    }

    @Test func runBlockRefusesBadArguments() throws {
        let m = try SyntheticModelTests.randomModel(layout: .adjacentPairs)
        var x = [Float](repeating: 0, count: 3 * 16)
        #expect(throws: ReferenceLMError.self) { try m.runBlock(2, residual: &x, rows: 3) }
        #expect(throws: ReferenceLMError.self) { try m.runBlock(0, residual: &x, rows: 4) }
        #expect(throws: ReferenceLMError.self) { _ = try m.embedding([40]) }
    }

    @Test func residualEnergyOfBlockZeroIsTheEmbeddingEnergy() throws {
        let m = try SyntheticModelTests.randomModel(layout: .adjacentPairs)
        let tokens = [3, 1, 4, 1, 5, 9, 2, 6]
        let recorder = ActivationRecorder()
        var cache = m.makeCache()
        _ = try m.forward(tokens, cache: &cache, recorder: recorder)
        var expected = 0.0
        for t in tokens { for i in 0..<16 { let v = Double(m.tokenEmbedding.storage[t * 16 + i]); expected += v * v } }
        let got = try #require(recorder.residualSumSquares[ActivationRecorder.residualKey(layer: 0, beforeMLP: false)])
        #expect(abs(got - expected) <= 1e-9 * expected)
        // Before the MLP: the stream after attention, x + Wo·att — its energy from runBlock's pieces.
        var x = try m.embedding(tokens)
        var att: [Float] = []
        try m.runBlock(0, residual: &x, rows: tokens.count) { site, input in if site == .attentionOutputInput { att = input } }
        let proj = try m.blocks[0].attnOutput.apply(att, rows: tokens.count)
        let h = zip(try m.embedding(tokens), proj).map { Double($0) + Double($1) }
        let hEnergy = h.reduce(0) { $0 + $1 * $1 }
        let gotMLP = try #require(recorder.residualSumSquares[ActivationRecorder.residualKey(layer: 0, beforeMLP: true)])
        #expect(abs(gotMLP - hEnergy) <= 1e-5 * hEnergy)
        #expect(recorder.residualSumSquares.count == 2 * m.blocks.count)
    }

    @Test func pairedStatisticsAreTheGramAndCrossProducts() throws {
        var rng = SplitMix64(seed: 11)
        let n = 5, rows = 7
        let x = (0..<(rows * n)).map { _ in Float(rng.nextUnit() * 2 - 1) }
        let y = (0..<(rows * n)).map { _ in Float(rng.nextUnit() * 2 - 1) }
        var s = CrossActivationStatistics(width: n)
        try s.add(original: Array(x[0..<(3 * n)]), compressed: Array(y[0..<(3 * n)]), rows: 3)
        try s.add(original: Array(x[(3 * n)...]), compressed: Array(y[(3 * n)...]), rows: rows - 3)
        #expect(s.tokens == rows)
        for i in 0..<n {
            for j in 0..<n {
                var yy = 0.0, xy = 0.0, xx = 0.0
                for r in 0..<rows {
                    yy += Double(y[r * n + i]) * Double(y[r * n + j])
                    xy += Double(x[r * n + i]) * Double(y[r * n + j])
                    xx += Double(x[r * n + i]) * Double(x[r * n + j])
                }
                #expect(abs(s.gram[i * n + j] - yy) <= 1e-12)
                #expect(abs(s.cross[i * n + j] - xy) <= 1e-12)
                #expect(abs(s.originalGram[i * n + j] - xx) <= 1e-12)
            }
        }
        // The same rows on both sides: all three agree.
        var same = CrossActivationStatistics(width: n)
        try same.add(original: x, compressed: x, rows: rows)
        #expect(same.gram == same.cross && same.cross == same.originalGram)
        #expect(throws: ReferenceLMError.self) { try same.add(original: x, compressed: Array(y.dropLast()), rows: rows) }
    }
}
