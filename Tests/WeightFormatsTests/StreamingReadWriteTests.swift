import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

/// Row-slice reads (`GGUFFile.float32(_:rows:)`) and piecewise writes (`SafeTensorsWriter.write(_:pieces:)`)
/// give exactly what the whole-tensor calls give.
@Suite struct StreamingReadWriteTests {
    @Test func rowSlicesConcatenateToTheWholeTensor() throws {
        let g = try GGUFFile(path: TestPaths.fixture("gguf/reader.gguf"))
        for name in ["t_f32", "blk.0.attn_q.weight", "t_f16", "t_bf16", "t_q8_0", "t_q4_0", "t_q4_k"] {
            let whole = try g.float32(name).storage
            let info = try #require(g.ggufInfo(name))
            let rows = info.elementCount / info.dimensions[0]
            var joined: [Float] = []
            for r in 0..<rows { joined += try g.float32(name, rows: r..<(r + 1)) }
            #expect(joined.map(\.bitPattern) == whole.map(\.bitPattern), "\(name)")
            #expect(try g.float32(name, rows: 0..<rows).map(\.bitPattern) == whole.map(\.bitPattern))
            // Reading after the pages were released still gives the same values.
            #expect(try g.float32(name).storage.map(\.bitPattern) == whole.map(\.bitPattern))
        }
        #expect(throws: WeightFormatError.self) { try g.float32("t_q8_0", rows: 1..<3) }
        #expect(throws: WeightFormatError.self) { try g.float32("t_q8_0", rows: -1..<1) }
    }

    @Test func piecewiseWriteEqualsOneShotAndChecksTheTotal() throws {
        let dir = TestPaths.temporaryDirectory("pieces")
        defer { try? FileManager.default.removeItem(at: dir) }
        let values = (0..<60).map { Float($0) * 0.25 - 3 }
        let descriptors = [SafeTensorsWriter.TensorDescriptor(name: "a", dtype: .f32, shape: [6, 10])]
        let one = dir.appendingPathComponent("one.safetensors").path, many = dir.appendingPathComponent("many.safetensors").path
        let w1 = try SafeTensorsWriter(path: one, tensors: descriptors)
        try values.withUnsafeBytes { try w1.write("a", rawBytes: $0) }
        try w1.finish()
        let w2 = try SafeTensorsWriter(path: many, tensors: descriptors)
        try w2.write("a", pieces: { sink in
            for r in stride(from: 0, to: 60, by: 20) { try values[r..<(r + 20)].withUnsafeBytes { try sink($0) } }
        })
        try w2.finish()
        #expect(FileManager.default.contents(atPath: one) == FileManager.default.contents(atPath: many))
        let w3 = try SafeTensorsWriter(path: dir.appendingPathComponent("short.safetensors").path, tensors: descriptors)
        #expect(throws: WeightFormatError.self) {
            try w3.write("a", pieces: { sink in try values[0..<30].withUnsafeBytes { try sink($0) } })
        }
    }
}
