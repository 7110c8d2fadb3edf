import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

/// The writer and the quantizers: bit-equality with gguf-py's `quantize`, Swift→Swift round trips,
/// byte-identical copy of a gguf-py-written file, and gguf-py reading a Swift-written file.
@Suite struct GGUFWriterTests {
    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture(relative))))
    }

    @Test(arguments: [GGMLType.f16, .bf16, .q8_0, .q4_0])
    func quantizeMatchesGGUFPyBitForBit(type: GGMLType) throws {
        let input = try FixtureReader.float32(TestPaths.fixture("gguf/quant/\(type.name).input.f32"))
        let want = try Self.bytes("gguf/quant/\(type.name).blocks.bin")
        let got = try GGMLQuantize.quantize(input, to: type)
        #expect(got.count == want.count)
        if let i = got.indices.first(where: { got[$0] != want[$0] }) {
            Issue.record("\(type.name): first differing byte \(i) (block \(i / type.typeSize)): \(got[i]) vs \(want[i])")
        }
    }

    @Test func quantizerRefusals() throws {
        #expect(throws: WeightFormatError.self) { try GGMLQuantize.quantize([Float](repeating: 1, count: 31), to: .q8_0) }
        #expect(throws: WeightFormatError.self) { try GGMLQuantize.quantize([Float](repeating: 1, count: 32), to: .q4_K) }
        var nan = [Float](repeating: 1, count: 32); nan[9] = .nan
        #expect(throws: WeightFormatError.nonFinite(file: "<memory>", tensor: "", index: 9)) { try GGMLQuantize.quantize(nan, to: .q4_0) }
        #expect(try GGMLQuantize.quantize([1.5, -2], to: .f32) == [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0])
    }

    /// Copying every tensor of gguf-py's file raw, with its metadata in order, reproduces the file
    /// byte for byte: same header layout, offsets and padding as gguf-py's GGUFWriter.
    @Test func rawCopyOfAGGUFPyFileIsByteIdentical() throws {
        for name in ["reader.gguf", "reader_align64.gguf"] {
            let src = try GGUFFile(path: TestPaths.fixture("gguf/\(name)"))
            let out = TestPaths.temporaryDirectory("gguf-copy").appendingPathComponent(name).path
            let w = try GGUFWriter(path: out, metadata: src.orderedMetadata,
                                   tensors: src.ggufTensors.map(GGUFWriter.TensorSpec.init))
            for t in src.ggufTensors { try src.withTensorBytes(t.name) { try w.writeRaw(t.name, bytes: $0) } }
            try w.finish()
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(Self.bytes("gguf/\(name)")), "\(name)")
        }
    }

    static func sampleMetadata() throws -> [(key: String, value: MetadataValue)] {
        var m = try GGUFFile(path: TestPaths.fixture("gguf/reader.gguf")).orderedMetadata
        m.append((key: "tokenizer.ggml.tokens", value: .array(elementType: 8, values: (0..<300).map { .string("tok\($0)▁") })))
        return m
    }

    static func sampleValues(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: s >> 11) % 20001 - 10000) / 3000
        }
    }

    /// Writes one tensor of each writable type plus a raw Q4_K tensor; returns the path and specs.
    static func writeSample(alignment: Int? = nil) throws -> (String, [GGUFWriter.TensorSpec], [[Float]]) {
        let specs: [GGUFWriter.TensorSpec] = [
            .init(name: "token_embd.weight", shape: [3, 64], type: .f32),
            .init(name: "blk.0.attn_q.weight", shape: [2, 2, 32], type: .f16),
            .init(name: "blk.0.ffn_up.weight", shape: [4, 32], type: .bf16),
            .init(name: "blk.0.ffn_down.weight", shape: [2, 96], type: .q8_0),
            .init(name: "output.weight", shape: [5, 32], type: .q4_0),
            .init(name: "t_q4_k", shape: [2, 256], type: .q4_K),
        ]
        let values = specs.enumerated().map { sampleValues($1.elementCount, seed: UInt64($0 + 1)) }
        let out = TestPaths.temporaryDirectory("gguf-write").appendingPathComponent("out.gguf").path
        let w = try GGUFWriter(path: out, metadata: try sampleMetadata(), tensors: specs, alignment: alignment)
        for (s, v) in zip(specs, values).dropLast() { try w.write(s.name, values: v) }
        let q4k = try bytes("gguf/quant/Q4_K.blocks.bin").prefix(288)
        try Array(q4k).withUnsafeBytes { try w.writeRaw("t_q4_k", bytes: $0) }
        try w.finish()
        return (out, specs, values)
    }

    @Test func swiftRoundTrip() throws {
        for alignment in [nil, 64] {
            let (out, specs, values) = try Self.writeSample(alignment: alignment)
            let g = try GGUFFile(path: out)
            #expect(g.version == 3)
            #expect(g.alignment == (alignment ?? 32))
            var meta = try Self.sampleMetadata()
            if let a = alignment { meta.append((key: "general.alignment", value: .uint32(UInt32(a)))) }
            #expect(g.metadataKeys == meta.map(\.key))
            for (k, v) in meta { #expect(g.metadata[k] == v, "\(k)") }
            #expect(g.ggufTensors.map(\.name) == specs.map(\.name))
            for (s, v) in zip(specs, values).dropLast() {
                let t = try g.float32(s.name)
                #expect(t.shape == s.shape)
                #expect(g.ggufInfo(s.name)?.type == s.type)
                #expect(g.ggufInfo(s.name)!.fileOffset % g.alignment == 0)
                // Reading back gives exactly dequantize(quantize(v)).
                let expected = try GGMLDequantize.dequantize(s.type, bytes: try GGMLQuantize.quantize(v, to: s.type))
                #expect(Approximate.bitEqual(t.storage, expected), "\(s.name)")
                if s.type == .f32 { #expect(t.storage == v) }
                // Quantization error stays within the format's resolution (|x| ≤ 3.334 here): half a
                // step for F16/BF16/Q8_0 (step max|x|/127), one whole step max|x|/8 for Q4_0, whose
                // 16 levels cover [−8d, 7d] so the extreme opposite the scale is clipped.
                let tol: Double = [.f16: 2e-3, .bf16: 2e-2, .q8_0: 1.4e-2, .q4_0: 0.42][s.type] ?? 0
                #expect(Approximate.maxAbsDiff(t.storage, v) <= tol, "\(s.name)")
            }
            let raw = try g.withTensorBytes("t_q4_k") { Array($0) }
            #expect(raw == Array(try Self.bytes("gguf/quant/Q4_K.blocks.bin").prefix(288)))
        }
    }

    @Test func metadataOnlyAndZeroElementTensors() throws {
        let dir = TestPaths.temporaryDirectory("gguf-empty")
        let a = dir.appendingPathComponent("meta.gguf").path
        let w = try GGUFWriter(path: a, metadata: [(key: "general.name", value: .string("x"))], tensors: [])
        try w.finish()
        // magic + version + 2 counts + key (8 + 12) + type + string (8 + 1); no padding without tensors.
        #expect(try FileManager.default.attributesOfItem(atPath: a)[.size] as? Int == 4 + 4 + 16 + 20 + 4 + 9)
        let g = try GGUFFile(path: a)
        #expect(g.ggufTensors.isEmpty && g.metadata["general.name"] == .string("x"))

        let b = dir.appendingPathComponent("zero.gguf").path
        let w2 = try GGUFWriter(path: b, metadata: [], tensors: [.init(name: "z", shape: [0, 32], type: .q8_0), .init(name: "", shape: [], type: .f32)])
        try w2.write("z", values: [])
        try w2.write("", values: [7])
        try w2.finish()
        let g2 = try GGUFFile(path: b)
        #expect(g2.ggufInfo("z")?.byteCount == 0)
        #expect(try g2.float32("z").shape == [0, 32])
        #expect(try g2.float32("").storage == [7])
    }

    /// Types without a Float32 conversion are listed with their ggml type and refused by name.
    @Test func unsupportedTypesAreListedAndRefused() throws {
        let out = TestPaths.temporaryDirectory("gguf-unsupported").appendingPathComponent("u.gguf").path
        let specs: [GGUFWriter.TensorSpec] = [.init(name: "iq", shape: [2, 256], type: .iq2_xxs), .init(name: "ids", shape: [3], type: .i32)]
        let w = try GGUFWriter(path: out, metadata: [], tensors: specs)
        try [UInt8](repeating: 1, count: 2 * 66).withUnsafeBytes { try w.writeRaw("iq", bytes: $0) }
        #expect(throws: WeightFormatError.self) { try w.write("ids", values: [1, 2, 3]) }  // I32 is not writable from floats
        try [UInt8](repeating: 0, count: 12).withUnsafeBytes { try w.writeRaw("ids", bytes: $0) }
        try w.finish()
        let g = try GGUFFile(path: out)
        #expect(g.tensors.map(\.storage) == [.ggml(.iq2_xxs), .ggml(.i32)])
        #expect(g.tensors.map(\.byteCount) == [132, 12])
        #expect(throws: WeightFormatError.unsupportedConversion(file: out, tensor: "iq", type: "IQ2_XXS")) { try g.float32("iq") }
        #expect(throws: WeightFormatError.unsupportedConversion(file: out, tensor: "ids", type: "I32")) { try g.float32("ids") }
    }

    @Test func exportStreamsEveryTensorWithTypeFallbacks() throws {
        let src = try GGUFFile(path: TestPaths.fixture("gguf/reader.gguf"))
        let out = TestPaths.temporaryDirectory("gguf-export").appendingPathComponent("e.gguf").path
        let result = try DenseExport.export(src, to: .gguf, precision: .q8_0, path: out)
        let g = try GGUFFile(path: out)
        #expect(g.metadataKeys.filter { $0 != "general.file_type" } == src.metadataKeys.filter { $0 != "general.file_type" })
        #expect(g.ggufTensors.map(\.name) == src.ggufTensors.map(\.name))
        // Rows of 3, 4 and 8 values are not whole Q8_0 blocks: F32; the rest are Q8_0.
        #expect(g.ggufTensors.map(\.type) == [.f32, .f32, .f32, .q8_0, .q8_0, .q8_0, .q8_0])
        #expect(result.fallbacks.count == 3)
        for (a, b) in zip(src.ggufTensors, g.ggufTensors) {
            let x = try src.float32(a.name), y = try g.float32(b.name)
            #expect(y.shape == x.shape)
            let want = try GGMLDequantize.dequantize(b.type, bytes: try GGMLQuantize.quantize(x.storage, to: b.type))
            #expect(Approximate.bitEqual(y.storage, want), "\(a.name)")
        }
        #expect(GGUFWriter.exportType(for: [64], requested: .q4_0) == .f32)
        #expect(GGUFWriter.exportType(for: [3, 64], requested: .q4_0) == .q4_0)
        #expect(GGUFWriter.exportType(for: [3, 64], requested: .bf16) == .bf16)
    }

    @Test func misuseIsRefusedAndLeavesNoFile() throws {
        let dir = TestPaths.temporaryDirectory("gguf-misuse")
        let out = dir.appendingPathComponent("x.gguf").path
        let specs: [GGUFWriter.TensorSpec] = [.init(name: "a", shape: [32], type: .q8_0), .init(name: "b", shape: [2], type: .f32)]
        do {
            let w = try GGUFWriter(path: out, metadata: [], tensors: specs)
            #expect(throws: WeightFormatError.self) { try w.write("b", values: [1, 2]) }          // out of order
            #expect(throws: WeightFormatError.self) { try w.write("a", values: [1, 2]) }          // wrong count
            try w.write("a", values: [Float](repeating: 0.5, count: 32))
            #expect(throws: WeightFormatError.self) { try w.finish() }                            // "b" missing
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        #expect(throws: WeightFormatError.self) { try GGUFWriter(path: out, metadata: [], tensors: [.init(name: "a", shape: [31], type: .q8_0)]) }
        #expect(throws: WeightFormatError.self) { try GGUFWriter(path: out, metadata: [], tensors: [specs[1], specs[1]]) }
        #expect(throws: WeightFormatError.self) { try GGUFWriter(path: out, metadata: [], tensors: [.init(name: "a", shape: [1, 1, 1, 1, 2], type: .f32)]) }
        #expect(throws: WeightFormatError.self) {
            try GGUFWriter(path: out, metadata: [(key: "k", value: .array(elementType: 9, values: []))], tensors: [])
        }
        #expect(throws: WeightFormatError.self) {
            try GGUFWriter(path: out, metadata: [(key: "k", value: .array(elementType: 4, values: [.int8(1)]))], tensors: [])
        }
        #expect(throws: WeightFormatError.self) {
            try GGUFWriter(path: out, metadata: [(key: "general.alignment", value: .uint64(32))], tensors: [])
        }
        #expect(throws: WeightFormatError.self) { try GGUFWriter(path: out, metadata: [(key: "", value: .bool(true))], tensors: []) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    static var peerPython: String? {
        let p = TestPaths.repositoryRoot.appendingPathComponent(".venv-peers/bin/python").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// The type name gguf-py prints for a GGUF value type.
    static func pyTypeName(_ t: GGUFValueType) -> String {
        switch t {
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .uint32: return "UINT32"
        case .int32: return "INT32"
        case .float32: return "FLOAT32"
        case .bool: return "BOOL"
        case .string: return "STRING"
        case .array: return "ARRAY"
        case .uint64: return "UINT64"
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        }
    }

    /// Whether peer's printed scalar equals `v` exactly.
    static func same(_ v: MetadataValue, _ peer: String) -> Bool {
        switch v {
        case let .float32(x): return Double(peer).map { $0.bitPattern == Double(x).bitPattern } ?? false
        case let .float64(x): return Double(peer).map { $0.bitPattern == x.bitPattern } ?? false
        case let .bool(b): return peer == (b ? "true" : "false")
        case let .string(s): return peer == s
        case let .uint64(x): return UInt64(peer) == x
        default: return v.intValue.map { Int64(peer) == Int64($0) } ?? false
        }
    }

    /// What `Fixtures/gguf/peer_read.py` (gguf-py) reports for the file at `path`.
    static func peerRead(_ path: String) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(peerPython))
        p.arguments = [TestPaths.fixture("gguf/peer_read.py"), path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(.enabled(if: peerPython != nil && TestPaths.sharedModel("stories260K/stories260K.gguf") != nil,
                   "needs .venv-peers/bin/python and ../shared/models/stories260K"))
    func ggufPyReadsAnExportedRealModel() throws {
        let src = try GGUFFile(path: try #require(TestPaths.sharedModel("stories260K/stories260K.gguf")))
        let out = TestPaths.temporaryDirectory("gguf-export-peer").appendingPathComponent("s.gguf").path
        try DenseExport.export(src, to: .gguf, precision: .q8_0, path: out)
        let g = try GGUFFile(path: out)
        let json = try Self.peerRead(out)
        let tensors = try #require(json["tensors"] as? [[String: Any]])
        #expect(tensors.map { $0["name"] as? String } == src.ggufTensors.map { Optional($0.name) })
        #expect((json["metadata"] as? [[String: Any]])?.count == src.metadataKeys.count)
        for t in tensors {
            let name = try #require(t["name"] as? String)
            #expect(t["type"] as? String == g.ggufInfo(name)?.type.name)
            #expect(t["shape"] as? [Int] == src.ggufInfo(name)?.shape)
            let pv = try #require(t["values"] as? [Double]).map { Float($0) }
            #expect(Approximate.bitEqual(pv, try g.float32(name).storage), "\(name)")
        }
    }

    @Test(.enabled(if: peerPython != nil, "needs .venv-peers/bin/python with gguf 0.19.0 (scripts/setup --peers)"))
    func ggufPyReadsASwiftWrittenFile() throws {
        let (out, specs, _) = try Self.writeSample(alignment: 64)
        let json = try Self.peerRead(out)
        #expect(json["version"] as? Int == 3)
        #expect(json["alignment"] as? Int == 64)

        let g = try GGUFFile(path: out)
        let meta = try #require(json["metadata"] as? [[String: Any]])
        #expect(meta.map { $0["key"] as? String } == g.metadataKeys.map { Optional($0) })
        for item in meta {
            let key = try #require(item["key"] as? String)
            let v = try #require(g.metadata[key])
            if case let .array(et, values) = v {
                let et = try #require(GGUFValueType(rawValue: et))
                #expect(item["type"] as? String == "ARRAY")
                #expect(item["sub_type"] as? String == Self.pyTypeName(et), "\(key)")
                let pv = try #require(item["value"] as? [String])
                #expect(pv.count == values.count)
                #expect(zip(values, pv).allSatisfy { Self.same($0, $1) }, "\(key)")
            } else {
                #expect(item["type"] as? String == Self.pyTypeName(try #require(GGUFValueType(scalar: v))), "\(key)")
                #expect(Self.same(v, try #require(item["value"] as? String)), "\(key)")
            }
        }
        let tensors = try #require(json["tensors"] as? [[String: Any]])
        #expect(tensors.count == specs.count)
        for (t, s) in zip(tensors, specs) {
            #expect(t["name"] as? String == s.name)
            #expect(t["type"] as? String == s.type.name)
            #expect(t["shape"] as? [Int] == s.shape)
            #expect(t["offset"] as? Int == g.ggufInfo(s.name)?.fileOffset)
            let pv = try #require(t["values"] as? [Double]).map { Float($0) }
            #expect(Approximate.bitEqual(pv, try g.float32(s.name).storage), "\(s.name)")
        }
    }
}
