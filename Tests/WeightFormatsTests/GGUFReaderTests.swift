import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

/// The reader against files written by gguf-py's `GGUFWriter` (Fixtures/gguf/make_fixtures.py).
@Suite struct GGUFReaderTests {
    let readerPath = TestPaths.fixture("gguf/reader.gguf")

    @Test func headerAndEveryMetadataType() throws {
        let g = try GGUFFile(path: readerPath)
        #expect(g.version == 3)
        #expect(g.alignment == 32)
        #expect(g.dataOffset % 32 == 0)
        #expect(g.formatDescription == "GGUF v3")
        let m = g.metadata
        #expect(m["general.architecture"] == .string("llama"))
        #expect(m["test.u8"] == .uint8(200))
        #expect(m["test.i8"] == .int8(-100))
        #expect(m["test.u16"] == .uint16(60000))
        #expect(m["test.i16"] == .int16(-30000))
        #expect(m["test.u32"] == .uint32(4_000_000_000))
        #expect(m["test.i32"] == .int32(-2_000_000_000))
        #expect(m["test.f32"] == .float32(0.15625))
        #expect(m["test.bool"] == .bool(true))
        #expect(m["test.string"] == .string("héllo GGUF ✓"))
        #expect(m["test.u64"] == .uint64(18_000_000_000_000_000_000))
        #expect(m["test.i64"] == .int64(-9_000_000_000_000_000_000))
        #expect(m["test.f64"] == .float64(-2.718281828459045))
        #expect(m["test.empty_string"] == .string(""))
        #expect(m["test.strings"] == .array(elementType: 8, values: ["<s>", "</s>", "▁the", "", "日本"].map { .string($0) }))
        #expect(m["test.arr_u8"] == .array(elementType: 0, values: [.uint8(1), .uint8(2), .uint8(255)]))
        #expect(m["test.arr_i8"] == .array(elementType: 1, values: [.int8(-1), .int8(2), .int8(-128)]))
        #expect(m["test.arr_u16"] == .array(elementType: 2, values: [.uint16(1), .uint16(65535)]))
        #expect(m["test.arr_i16"] == .array(elementType: 3, values: [.int16(-32768), .int16(7)]))
        #expect(m["test.arr_u32"] == .array(elementType: 4, values: [.uint32(7), .uint32(4_294_967_295)]))
        #expect(m["test.arr_i32"] == .array(elementType: 5, values: [.int32(-7), .int32(2_147_483_647)]))
        #expect(m["test.arr_f32"] == .array(elementType: 6, values: [.float32(0.5), .float32(-1.25), .float32(3)]))
        #expect(m["test.arr_bool"] == .array(elementType: 7, values: [.bool(true), .bool(false), .bool(true)]))
        #expect(m["test.arr_u64"] == .array(elementType: 10, values: [.uint64(1), .uint64(UInt64.max)]))
        #expect(m["test.arr_i64"] == .array(elementType: 11, values: [.int64(-1), .int64(Int64.min)]))
        #expect(m["test.arr_f64"] == .array(elementType: 12, values: [.float64(0.1), .float64(-1e300)]))
        // File order is kept: gguf-py writes general.architecture first, then ours in call order.
        #expect(g.metadataKeys.first == "general.architecture")
        #expect(g.metadataKeys.last == "test.arr_f64")
        #expect(g.orderedMetadata.map(\.key) == g.metadataKeys)
        #expect(g.metadataKeys.count == m.count)
    }

    @Test func tensorInfosAreRowMajorWithOffsets() throws {
        let g = try GGUFFile(path: readerPath)
        // (name, type, row-major shape, offset from the start of the file) as gguf-py's GGUFReader reports.
        let expected: [(String, GGMLType, [Int], Int)] = [
            ("t_f32", .f32, [2, 3], 1344), ("blk.0.attn_q.weight", .f32, [2, 3, 4], 1376),
            ("t_f16", .f16, [4, 8], 1472), ("t_bf16", .bf16, [2, 32], 1536),
            ("t_q8_0", .q8_0, [2, 64], 1664), ("t_q4_0", .q4_0, [3, 32], 1824), ("t_q4_k", .q4_K, [2, 256], 1888),
        ]
        #expect(g.ggufTensors.map(\.name) == expected.map(\.0))
        for (t, e) in zip(g.ggufTensors, expected) {
            #expect(t.type == e.1)
            #expect(t.shape == e.2)
            #expect(t.dimensions == Array(e.2.reversed()))
            #expect(t.fileOffset == e.3)
            #expect(t.byteCount == t.type.byteCount(elements: e.2.reduce(1, *)))
        }
        let info = try #require(g.info("blk.0.attn_q.weight"))
        #expect(info.role == TensorRole(layer: 0, kind: .attnQ))
        #expect(info.storage == .ggml(.f32))
        #expect(g.parameterCount == 6 + 24 + 32 + 64 + 128 + 96 + 512)
    }

    @Test func everyTensorMatchesGGUFPyBitForBit() throws {
        let g = try GGUFFile(path: readerPath)
        for t in g.ggufTensors {
            let x = try g.float32(t.name)
            #expect(x.shape == t.shape)
            let want = try FixtureReader.float32(TestPaths.fixture("gguf/reader.\(t.name).f32"))
            #expect(Approximate.bitEqual(x.storage, want), "tensor \(t.name)")
        }
        // F32 values are exactly what the script stored: arange(6) * 0.25 - 1 in shape [2, 3].
        #expect(try g.float32("t_f32").storage == [-1, -0.75, -0.5, -0.25, 0, 0.25])
    }

    @Test func version2AndCustomAlignment() throws {
        let v2 = try GGUFFile(path: TestPaths.fixture("gguf/reader_v2.gguf"))
        #expect(v2.version == 2)
        #expect(v2.ggufTensors.count == 7)
        #expect(try v2.float32("t_q8_0").storage == (try GGUFFile(path: readerPath).float32("t_q8_0").storage))

        let a = try GGUFFile(path: TestPaths.fixture("gguf/reader_align64.gguf"))
        #expect(a.alignment == 64)
        #expect(a.metadata["general.alignment"] == .uint32(64))
        #expect(a.dataOffset % 64 == 0)
        #expect(a.ggufTensors.map(\.relativeOffset) == [0, 64])
        #expect(try a.float32("a").storage == [0, 1, 2, 3, 4])
        #expect(try a.float32("b").storage == [0, -1, -2, -3, -4, -5, -6])
    }

    @Test func missingTensorAndMissingFile() throws {
        let g = try GGUFFile(path: readerPath)
        #expect(throws: WeightFormatError.tensorNotFound(file: readerPath, name: "nope")) { try g.float32("nope") }
        #expect(throws: WeightFormatError.self) { try GGUFFile(path: "/nonexistent/x.gguf") }
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.gguf") != nil, "needs ../shared/models/stories260K"))
    func stories260K() throws {
        let path = try #require(TestPaths.sharedModel("stories260K/stories260K.gguf"))
        let g = try GGUFFile(path: path)
        #expect(g.version == 3)
        #expect(g.metadata["general.architecture"] == .string("llama"))
        #expect(g.metadata["llama.embedding_length"]?.intValue == 64)
        #expect(g.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count == 512)
        let emb = try #require(g.ggufInfo("token_embd.weight"))
        #expect(emb.shape == [512, 64])
        #expect(emb.type == .f32)
        for t in g.ggufTensors {
            let x = try g.float32(t.name)
            #expect(x.count == t.elementCount)
            #expect(x.firstNonFiniteIndex() == nil)
        }
    }
}
