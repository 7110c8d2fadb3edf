import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

@Suite struct SafeTensorsWriterTests {
    func bytes(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func u16(_ path: String) throws -> [UInt16] {
        let b = try bytes(path)
        return (0..<(b.count / 2)).map { UInt16(b[2 * $0]) | UInt16(b[2 * $0 + 1]) << 8 }
    }

    /// Copies every tensor of `source` to `path` through the streaming writer, supplying the
    /// descriptors in `descriptorOrder`.
    func copy(_ source: SafeTensorsFile, to path: String, descriptorOrder: [TensorInfo], metadata: [String: String]) throws {
        let descriptors = descriptorOrder.map { info -> SafeTensorsWriter.TensorDescriptor in
            guard case let .dense(d) = info.storage else { return .init(name: info.name, dtype: .u8, shape: []) }
            return .init(name: info.name, dtype: d, shape: info.shape)
        }
        let w = try SafeTensorsWriter(path: path, tensors: descriptors, metadata: metadata)
        for d in w.order {
            try source.withRawBytes(d.name) { try w.write(d.name, rawBytes: $0) }
        }
        try w.finish()
    }

    @Test func layoutIsByteIdenticalToTheReferenceWriter() throws {
        let refPath = TestPaths.fixture("safetensors/order.safetensors")
        let ref = try SafeTensorsFile(path: refPath)
        let dir = TestPaths.temporaryDirectory("st-order")
        let out = dir.appendingPathComponent("order.safetensors").path
        // Supply the descriptors reversed: the writer must reorder them as the reference does.
        try copy(ref, to: out, descriptorOrder: ref.tensors.reversed(), metadata: [:])
        #expect(try bytes(out) == bytes(refPath))
    }

    /// The in-place writer: tensors written in any order from two threads give the reference
    /// writer's data bytes and header JSON (padded with spaces to the reserved size); a header too
    /// big for its reservation is refused and the copying fallback gives the reference bytes exactly.
    @Test func placedWriterMatchesTheStreamingWriterInAnyOrder() throws {
        let src = try SafeTensorsFile(path: TestPaths.fixture("safetensors/dtypes.safetensors"))
        let dir = TestPaths.temporaryDirectory("st-placed")
        let meta = src.metadata.compactMapValues(\.stringValue)
        let reference = dir.appendingPathComponent("reference.safetensors").path
        try copy(src, to: reference, descriptorOrder: src.tensors, metadata: meta)
        let descriptors = src.tensors.map { info -> SafeTensorsWriter.TensorDescriptor in
            guard case let .dense(d) = info.storage else { return .init(name: info.name, dtype: .u8, shape: []) }
            return .init(name: info.name, dtype: d, shape: info.shape)
        }
        let need = try SafeTensorsPlacedWriter.headerJSONLength(tensors: descriptors, metadata: meta)
        func fill(_ w: SafeTensorsPlacedWriter) throws {
            let names = src.tensors.map(\.name).shuffled()
            DispatchQueue.concurrentPerform(iterations: names.count) { i in
                try? src.withRawBytes(names[i]) { b in
                    // Two pieces, second first: offsets within a tensor are honoured.
                    let half = b.count / 2
                    try w.write(names[i], at: half, bytes: UnsafeRawBufferPointer(rebasing: b[half...]))
                    try w.write(names[i], at: 0, bytes: UnsafeRawBufferPointer(rebasing: b[..<half]))
                }
            }
        }
        let partial = dir.appendingPathComponent("partial.safetensors").path
        let out = dir.appendingPathComponent("placed.safetensors").path
        let w = try SafeTensorsPlacedWriter(path: partial, tensors: descriptors.reversed(), headerCapacity: need + 100, reuseExisting: true)
        #expect(!w.reused && w.headerCapacity % 8 == 0 && w.headerCapacity >= need + 100)
        try fill(w)
        #expect(throws: WeightFormatError.self) { try [UInt8](repeating: 1, count: 1).withUnsafeBytes { try w.write("no-such", bytes: $0) } }
        let last = descriptors[0].name, size = w.range(of: last)!.count
        #expect(throws: WeightFormatError.self) { try [UInt8](repeating: 1, count: 2).withUnsafeBytes { try w.write(last, at: size - 1, bytes: $0) } }
        #expect(try w.commit(to: out, metadata: meta))
        #expect(!FileManager.default.fileExists(atPath: partial))
        let ref = try bytes(reference), got = try bytes(out)
        let refJSON = ref[8..<(8 + src.headerLength)], gotJSON = got[8..<(8 + w.headerCapacity)]
        func trimmed(_ b: ArraySlice<UInt8>) -> [UInt8] { var a = Array(b); while a.last == UInt8(ascii: " ") { a.removeLast() }; return a }
        #expect(trimmed(gotJSON) == trimmed(refJSON))
        #expect(gotJSON.suffix(w.headerCapacity - need).allSatisfy { $0 == UInt8(ascii: " ") })
        #expect(got[(8 + w.headerCapacity)...] == ref[(8 + src.headerLength)...])
        let back = try SafeTensorsFile(path: out)
        #expect(back.metadata == src.metadata)
        for t in src.tensors { #expect(try back.withRawBytes(t.name) { Array($0) } == src.withRawBytes(t.name) { Array($0) }, "\(t.name)") }

        // Too small a reservation: commit copies behind the exact header instead (the reference bytes)
        // and leaves the partial file as it was.
        let small = try SafeTensorsPlacedWriter(path: partial, tensors: descriptors, headerCapacity: need / 2, reuseExisting: false)
        try fill(small)
        let copied = dir.appendingPathComponent("copied.safetensors").path
        #expect(try small.commit(to: copied, metadata: meta) == false)
        #expect(FileManager.default.fileExists(atPath: partial))
        #expect(try bytes(copied) == ref)

        // Reuse keeps a file of the expected length (a resumed run) and re-creates any other.
        let again = try SafeTensorsPlacedWriter(path: partial, tensors: descriptors, headerCapacity: need / 2, reuseExisting: true)
        #expect(again.reused)
        #expect(try again.read(again.range(of: last)!) == src.withRawBytes(last) { Array($0) })
        let other = try SafeTensorsPlacedWriter(path: partial, tensors: descriptors, headerCapacity: need / 2 + 64, reuseExisting: true)
        #expect(!other.reused)
        #expect(try other.read(other.range(of: last)!).allSatisfy { $0 == 0 })
    }

    @Test func roundTripKeepsTensorsMetadataAndBytes() throws {
        let src = try SafeTensorsFile(path: TestPaths.fixture("safetensors/dtypes.safetensors"))
        let dir = TestPaths.temporaryDirectory("st-rt")
        let out = dir.appendingPathComponent("copy.safetensors").path
        let meta = src.metadata.compactMapValues(\.stringValue)
        try copy(src, to: out, descriptorOrder: src.tensors.shuffled(), metadata: meta)
        let back = try SafeTensorsFile(path: out)
        #expect(back.metadata == src.metadata)
        #expect(back.headerLength % 8 == 0)
        #expect(Set(back.tensors.map(\.name)) == Set(src.tensors.map(\.name)))
        for t in src.tensors {
            #expect(back.info(t.name)?.shape == t.shape)
            #expect(back.info(t.name)?.storage == t.storage)
            let a = try src.withRawBytes(t.name) { Array($0) }
            let b = try back.withRawBytes(t.name) { Array($0) }
            #expect(a == b, "\(t.name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["copy.safetensors"])
    }

    @Test(arguments: [DType.f16, .bf16])
    func halfEncodingMatchesNumpyRoundToNearestEven(dtype: DType) throws {
        let input = try FixtureReader.float32(TestPaths.fixture("safetensors/encode.input.f32"))
        let want = try u16(TestPaths.fixture("safetensors/encode.\(dtype == .f16 ? "f16" : "bf16").u16"))
        let dir = TestPaths.temporaryDirectory("st-enc")
        let out = dir.appendingPathComponent("e.safetensors").path
        let t = try #require(Tensor(shape: [input.count], storage: input))
        try SafeTensorsWriter.write(path: out, tensors: [("x", t)], dtype: dtype)
        let back = try SafeTensorsFile(path: out)
        let got: [UInt16] = try back.withRawBytes("x") { raw in
            (0..<(raw.count / 2)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
        }
        #expect(got.count == want.count)
        let expMask: UInt16 = dtype == .f16 ? 0x7C00 : 0x7F80
        func nan(_ h: UInt16) -> Bool { (h & expMask) == expMask && (h & ~expMask & 0x7FFF) != 0 }
        let mismatches = zip(got, want).filter { $0 != $1 && !(nan($0) && nan($1)) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func f32RoundTripIsExact() throws {
        let input = try FixtureReader.float32(TestPaths.fixture("safetensors/encode.input.f32"))
        let dir = TestPaths.temporaryDirectory("st-f32")
        let out = dir.appendingPathComponent("f.safetensors").path
        let t = try #require(Tensor(shape: [2, input.count / 2], storage: Array(input.prefix(input.count / 2 * 2))))
        try SafeTensorsWriter.write(path: out, tensors: [("w", t)], dtype: .f32, metadata: ["k": "v"])
        let back = try SafeTensorsFile(path: out)
        #expect(Approximate.bitEqual(try back.float32("w").storage, t.storage))
        #expect(back.metadata == ["k": .string("v")])
    }

    @Test func misuseIsRefusedAndLeavesNoFile() throws {
        let dir = TestPaths.temporaryDirectory("st-misuse")
        let out = dir.appendingPathComponent("m.safetensors").path
        let a = SafeTensorsWriter.TensorDescriptor(name: "a", dtype: .f32, shape: [2])
        let b = SafeTensorsWriter.TensorDescriptor(name: "b", dtype: .i32, shape: [1])
        #expect(throws: WeightFormatError.duplicate(file: out, field: "tensor name", name: "a")) {
            try SafeTensorsWriter(path: out, tensors: [a, a])
        }
        #expect(throws: WeightFormatError.self) {
            try SafeTensorsWriter(path: out, tensors: [.init(name: "__metadata__", dtype: .f32, shape: [1])])
        }
        #expect(throws: WeightFormatError.self) {
            try SafeTensorsWriter(path: out, tensors: [.init(name: "n", dtype: .f32, shape: [-1])])
        }
        #expect(throws: WeightFormatError.self) {
            try SafeTensorsWriter(path: out, tensors: [.init(name: "o", dtype: .f64, shape: [1 << 62, 8])])
        }
        do {
            let w = try SafeTensorsWriter(path: out, tensors: [a, b])
            #expect(w.order.map(\.name) == ["a", "b"]) // F32 ranks above I32
            #expect(throws: WeightFormatError.self) { try [1, 2, 3].withUnsafeBufferPointer { try w.write("b", values: $0) } }
            #expect(throws: WeightFormatError.self) { try [Float(1)].withUnsafeBufferPointer { try w.write("a", values: $0) } }
            try [Float(1), 2].withUnsafeBufferPointer { try w.write("a", values: $0) }
            #expect(throws: WeightFormatError.unsupportedConversion(file: out, tensor: "b", type: "I32")) {
                try [Float(1)].withUnsafeBufferPointer { try w.write("b", values: $0) }
            }
            #expect(throws: WeightFormatError.self) { try w.finish() } // b missing
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func emptyCheckpointMatchesTheReferenceBytes() throws {
        // tensor.rs test_empty: `{}` padded to 8 bytes, and with {"framework": "pt"}.
        let dir = TestPaths.temporaryDirectory("st-empty")
        let out = dir.appendingPathComponent("e.safetensors").path
        let w = try SafeTensorsWriter(path: out, tensors: [])
        try w.finish()
        #expect(try bytes(out) == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let w2 = try SafeTensorsWriter(path: out, tensors: [], metadata: ["framework": "pt"])
        try w2.finish()
        #expect(try bytes(out) == [40, 0, 0, 0, 0, 0, 0, 0] + Array("{\"__metadata__\":{\"framework\":\"pt\"}}     ".utf8))
        #expect(try SafeTensorsFile(path: out).tensors.isEmpty)
    }
}
