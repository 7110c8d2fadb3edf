import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

@Suite struct ShardedSafeTensorsTests {
    let fixtureIndex = TestPaths.fixture("safetensors/sharded/model.safetensors.index.json")

    @Test func pythonWrittenShardsReadAsOneCheckpoint() throws {
        let expected = try SafeTensorsExpected.load("sharded.expected.json")
        let ckpt = try ShardedSafeTensors(indexPath: fixtureIndex)
        #expect(ckpt.shards.count == 2)
        #expect(ckpt.tensors.count == expected.tensors.count)
        #expect(ckpt.metadata["total_size"] == .int64(352))
        for (name, e) in expected.tensors {
            #expect(try ckpt.shard(for: name).path.hasSuffix(try #require(e.shard)))
            #expect(ckpt.info(name)?.shape == e.shape)
            #expect(ckpt.info(name)?.storage == .dense(try #require(DType(rawValue: e.dtype))))
            let want = try FixtureReader.float32(TestPaths.fixture("safetensors/\(try #require(e.f32))"))
            #expect(Approximate.bitEqual(try ckpt.float32(name).storage, want), "\(name)")
        }
        #expect(ckpt.info(for: TensorRole(layer: 0, kind: .attnQ)) != nil)
        #expect(throws: WeightFormatError.tensorNotFound(file: fixtureIndex, name: "x")) { try ckpt.float32("x") }
    }

    /// A folder holding copies of the fixture shards and `index` as the index file.
    func folder(index: String, tag: String) throws -> String {
        let dir = TestPaths.temporaryDirectory("st-idx-\(tag)")
        for s in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            try FileManager.default.copyItem(atPath: TestPaths.fixture("safetensors/sharded/\(s)"),
                                             toPath: dir.appendingPathComponent(s).path)
        }
        let p = dir.appendingPathComponent("model.safetensors.index.json").path
        try Data(index.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    static let s1 = "model-00001-of-00002.safetensors", s2 = "model-00002-of-00002.safetensors"
    static let full = [("model.embed_tokens.weight", s1), ("model.layers.0.self_attn.q_proj.weight", s1),
                       ("model.layers.0.mlp.up_proj.weight", s2), ("model.norm.weight", s2), ("lm_head.weight", s2)]

    static func index(_ pairs: [(String, String)], extra: String = "") -> String {
        "{\(extra)\"weight_map\": {" + pairs.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ") + "}}"
    }

    /// (tag, index text, expected error case, expected field fragment)
    static let lies: [(String, String, String, String)] = [
        ("missing-shard", index(full.map { ($0.0, $0.1 == s2 ? "model-00002-of-00003.safetensors" : $0.1) }), "io", ""),
        ("wrong-shard", index(full.map { ($0.0 == "model.norm.weight" ? ($0.0, s1) : $0) }), "invalid", "weight_map['model.norm.weight']"),
        ("unlisted-tensor", index(full.filter { $0.0 != "lm_head.weight" }), "invalid", "weight_map"),
        ("listed-but-absent", index(full + [("ghost.weight", s1)]), "invalid", "weight_map['ghost.weight']"),
        ("duplicate-map-key", index(full + [("model.norm.weight", s2)]), "duplicate", "weight_map key"),
        ("path-traversal", index(full.map { ($0.0, $0.1 == s1 ? "../\(s1)" : $0.1) }), "invalid", "weight_map"),
        ("absolute-path", index(full.map { ($0.0, $0.1 == s1 ? "/etc/\(s1)" : $0.1) }), "invalid", "weight_map"),
        ("no-weight-map", "{\"metadata\": {}}", "invalid", "weight_map"),
        ("weight-map-array", "{\"weight_map\": []}", "invalid", "weight_map"),
        ("shard-not-string", index([]).replacingOccurrences(of: "{}", with: "{\"a\": 3}"), "invalid", "weight_map['a']"),
        ("not-json", "{\"weight_map\": {", "invalid", "index"),
        ("duplicate-root-key", index(full, extra: "\"weight_map\": {}, "), "duplicate", "index key"),
    ]

    @Test(arguments: lies.indices)
    func lyingIndexIsRefused(_ i: Int) throws {
        let (tag, text, kind, field) = Self.lies[i]
        let p = try folder(index: text, tag: tag)
        do {
            _ = try ShardedSafeTensors(indexPath: p)
            Issue.record("\(tag): accepted")
        } catch let e as WeightFormatError {
            let name = caseName(e)
            #expect(name == kind, "\(tag): \(e)")
            #expect(field.isEmpty || (e.field ?? "").contains(field), "\(tag): \(e)")
        }
    }

    @Test func tensorInTwoShardsIsRefused() throws {
        // Both shards hold `w`; the index can list it only once.
        let dir = TestPaths.temporaryDirectory("st-two")
        let t = try #require(Tensor(shape: [2], storage: [1, 2]))
        try SafeTensorsWriter.write(path: dir.appendingPathComponent("a.safetensors").path, tensors: [("w", t)], dtype: .f32)
        try SafeTensorsWriter.write(path: dir.appendingPathComponent("b.safetensors").path, tensors: [("w", t), ("v", t)], dtype: .f32)
        let p = dir.appendingPathComponent("model.safetensors.index.json").path
        try Data("{\"weight_map\": {\"w\": \"a.safetensors\", \"v\": \"b.safetensors\"}}".utf8).write(to: URL(fileURLWithPath: p))
        #expect {
            try ShardedSafeTensors(indexPath: p)
        } throws: { e in
            guard case let .duplicate(file, _, name)? = e as? WeightFormatError else { return false }
            return file == p && name == "w"
        }
    }

    @Test func swiftShardedWriterRoundTrips() throws {
        let src = try ShardedSafeTensors(indexPath: fixtureIndex)
        let dir = TestPaths.temporaryDirectory("st-shw")
        let descriptors = src.tensors.map { info -> SafeTensorsWriter.TensorDescriptor in
            guard case let .dense(d) = info.storage else { return .init(name: info.name, dtype: .u8, shape: []) }
            return .init(name: info.name, dtype: d, shape: info.shape)
        }
        // 100-byte shards: 128-byte tensors get their own shard, small ones share.
        let w = try ShardedSafeTensorsWriter(directory: dir.path, tensors: descriptors, maxShardBytes: 100, metadata: ["format": "pt"])
        #expect(w.shardNames.count > 2)
        #expect(w.shardNames.first == "model-00001-of-0000\(w.shardNames.count).safetensors")
        for d in w.order {
            #expect(w.nextTensor?.name == d.name)
            try src.withRawBytes(d.name) { try w.write(d.name, rawBytes: $0) }
        }
        let indexPath = try w.finish()
        let back = try ShardedSafeTensors(indexPath: indexPath)
        #expect(back.shards.count == w.shardNames.count)
        #expect(back.metadata["total_size"] == src.metadata["total_size"])
        #expect(back.shards.allSatisfy { $0.metadata == ["format": .string("pt")] })
        for t in src.tensors {
            #expect(back.info(t.name)?.shape == t.shape)
            #expect(try back.withRawBytes(t.name) { Array($0) } == src.withRawBytes(t.name) { Array($0) })
            let bytes = try back.shard(for: t.name).tensors.reduce(0) { $0 + $1.byteCount }
            let alone = try back.shard(for: t.name).tensors.count == 1
            #expect(bytes <= 100 || alone)
        }
    }

    @Test func droppedShardedWriterLeavesNothing() throws {
        let dir = TestPaths.temporaryDirectory("st-shdrop")
        do {
            let d: [SafeTensorsWriter.TensorDescriptor] = [.init(name: "a", dtype: .f32, shape: [4]), .init(name: "b", dtype: .f32, shape: [4])]
            let w = try ShardedSafeTensorsWriter(directory: dir.path, tensors: d, maxShardBytes: 16)
            try [Float](repeating: 1, count: 4).withUnsafeBufferPointer { try w.write("a", values: $0) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains("model-00001-of-00002.safetensors"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

/// The enum case name of a `WeightFormatError` (`"invalid"`, `"duplicate"`, …).
func caseName(_ e: WeightFormatError) -> String {
    let s = String(describing: Mirror(reflecting: e).children.first?.label ?? "")
    return s
}
