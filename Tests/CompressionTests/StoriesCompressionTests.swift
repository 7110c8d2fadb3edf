import Foundation
import LinearAlgebra
import Testing
import TestSupport
import WeightFormats
@testable import Compression

/// stories260K (llama2.c and GGUF), when ../shared/models is present.
@Suite struct StoriesCompressionTests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let gguf = TestPaths.sharedModel("stories260K/stories260K.gguf")
    let dir = TestPaths.temporaryDirectory("stories")

    @Test(.enabled(if: bin != nil, "needs ../shared/models"))
    func svdOnStoriesMatchesEckartYoungAndVerifies() throws {
        let source = try Checkpoints.open(Self.bin!)
        let r = try Compressor(source: source).compress(options: .init(method: .svd, budget: .ratio(0.3)),
                                                         to: dir.appendingPathComponent("s.safetensors").path)
        #expect(r.manifest.parameters.linearFractionRemoved >= 0.3)
        #expect(r.manifest.tensors.count == 47)
        let c = try CompressedCheckpoint(path: r.path)
        #expect(try c.verify().mismatches.isEmpty)
        var checked = 0
        for e in r.manifest.tensors where e.layout == "lowrank" {
            let w = try source.float32(e.name), got = try c.float32(e.name), k = try #require(e.rank)
            let sigma = try SingularValueDecomposition(try Matrix<Double>(rows: w.shape[0], columns: w.shape[1], values: w.storage.map(Double.init))).singularValues
            let predicted = (sigma.dropFirst(k).reduce(0) { $0 + $1 * $1 } / sigma.reduce(0) { $0 + $1 * $1 }).squareRoot()
            var err = 0.0, norm = 0.0
            for i in w.storage.indices { let d = Double(w.storage[i]) - Double(got.storage[i]); err += d * d; norm += Double(w.storage[i] * w.storage[i]) }
            #expect(abs((err / norm).squareRoot() - predicted) < 1e-5, "\(e.name)")
            checked += 1
        }
        #expect(checked == 35)
    }

    @Test(.enabled(if: gguf != nil, "needs ../shared/models"))
    func compressedGGUFKeepsTheSourceMetadata() throws {
        let source = try GGUFFile(path: Self.gguf!)
        let r = try Compressor(source: source).compress(options: .init(method: .svd, budget: .ratio(0.3), zstd: true),
                                                         to: dir.appendingPathComponent("s.safetensors.zst").path)
        let c = try Checkpoints.openAny(r.path)
        #expect(c is CompressedCheckpoint)
        #expect(c.metadata == source.metadata)
        #expect((c as? CompressedCheckpoint)?.ggufMetadata.map(\.key) == source.orderedMetadata.map(\.key).filter { $0 != "general.alignment" })
    }
}
