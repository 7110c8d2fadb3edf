import Foundation
import Testing
import TestSupport
import ReferenceLM
import WeightFormats
@testable import Compression

/// The cache `report` uses must not change a single bit: every planned tensor, at two budgets and for
/// svd, asvd and masvd, factorizes to the same stored bytes with and without it, and the cache holds
/// one entry per matrix and method however many budgets ran.
@Suite struct DecompositionCacheTests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")

    @Test(.enabled(if: bin != nil && text != nil, "needs ../shared/models and ../shared/corpus"))
    func cachedFactorsAreBitIdentical() throws {
        let lm = try LanguageModel.load(path: Self.bin!)
        let cal = try CalibrationSet.record(model: lm, text: try String(contentsOfFile: Self.text!, encoding: .utf8),
                                            maxTokens: 256, context: 128)
        let plain = try Compressor(source: try Checkpoints.open(Self.bin!), calibration: cal)
        let cached = try Compressor(source: try Checkpoints.open(Self.bin!), calibration: cal)
        let cache = DecompositionCache()
        cached.cache = cache
        for method in [CompressionMethod.svd, .asvd, .masvd] {
            cache.removeAll()
            let analysis = try plain.analyze(spectrum: plain.spectrum(for: .init(method: method)))
            for ratio in [0.2, 0.4] {
                let options = CompressionOptions(method: method, budget: .ratio(ratio))
                let plan = try plain.plan(analysis, options: options)
                for item in plan.items {
                    let a = try plain.compressTensor(item, options: options), b = try cached.compressTensor(item, options: options)
                    #expect(a.parts == b.parts, "\(method) \(ratio) \(item.name)")
                }
            }
            #expect(cache.count == plain.linearTensors.count, "\(method): one decomposition per matrix")
        }
    }
}
