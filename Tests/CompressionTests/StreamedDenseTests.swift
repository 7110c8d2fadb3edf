import Foundation
import Testing
import TensorCore
import TestSupport
import WeightFormats
@testable import Compression

/// The token embedding of SmolLM2 (49,152×576, above `Compressor.streamingThreshold`) is read in
/// row slices: the slices join to exactly `float32(_:)`, and the streamed checksum entry equals the
/// whole-tensor one for F32 and F16 storage.
@Suite struct StreamedDenseTests {
    @Test(.enabled(if: TestPaths.smolLM2 != nil, "needs Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"))
    func embeddingSlicesMatchTheWholeTensor() throws {
        let source = try Checkpoints.open(try #require(TestPaths.smolLM2))
        let info = try #require(source.tensors.first { $0.name == "token_embd.weight" })
        #expect(info.elementCount > Compressor.streamingThreshold)
        let c = try Compressor(source: source)
        let whole = try source.float32(info.name)
        var joined: [Float] = []
        joined.reserveCapacity(whole.storage.count)
        var slices = 0
        try c.forEachSlice(info.name) { joined.append(contentsOf: $0); slices += 1 }
        #expect(slices > 1)
        #expect(joined == whole.storage)
        for dtype in [DType.f32, .f16] {
            let streamed = try c.streamedDenseEntry(info, dtype: dtype)
            let reference = try c.denseEntry(name: info.name, tensor: whole, originalType: info.storage.description, dtype: dtype)
            #expect(streamed == reference, "\(dtype)")
        }
    }
}
