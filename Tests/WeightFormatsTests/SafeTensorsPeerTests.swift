import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

/// Python `safetensors` (the reference) reads what the Swift writers write.
@Suite struct SafeTensorsPeerTests {
    static let python = TestSupport.TestPaths.repositoryRoot.appendingPathComponent(".venv-peers/bin/python").path
    static var hasPython: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// Random tensors: a matrix per dtype, seeded.
    func sample() -> [(name: String, tensor: Tensor, dtype: DType)] {
        var state: UInt64 = 0x5EED_2026
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 250_000
        }
        var out: [(String, Tensor, DType)] = []
        for (i, d) in [DType.f32, .f16, .bf16, .f32, .bf16].enumerated() {
            let shape = [3 + i, 5]
            let t = Tensor(shape: shape, storage: (0..<(shape[0] * shape[1])).map { _ in next() })!
            out.append(("model.layers.\(i).mlp.up_proj.weight", t, d))
        }
        return out
    }

    /// Writes the expected-values JSON for the peer from what Swift reads back.
    func expectations(_ source: WeightSource, dir: URL, metadata: [String: String]?) throws -> String {
        var tensors: [String: Any] = [:]
        for info in source.tensors {
            let values = try source.float32(info.name).storage
            let f = dir.appendingPathComponent("expected-\(tensors.count).f32")
            try values.withUnsafeBytes { try Data($0).write(to: f) }
            tensors[info.name] = ["dtype": info.storage.description, "shape": info.shape, "f32": f.path]
        }
        var root: [String: Any] = ["tensors": tensors]
        if let metadata { root["metadata"] = metadata }
        let p = dir.appendingPathComponent("expected.json")
        try JSONSerialization.data(withJSONObject: root).write(to: p)
        return p.path
    }

    func runPeer(_ checkpoint: String, _ expected: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python)
        p.arguments = [TestPaths.fixture("safetensors/peer_read.py"), checkpoint, expected]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    @Test(.enabled(if: hasPython, "needs .venv-peers/bin/python (scripts/setup --peers)"))
    func pythonReadsTheSwiftWrittenFile() throws {
        let dir = TestPaths.temporaryDirectory("st-peer")
        let path = dir.appendingPathComponent("model.safetensors").path
        let sample = sample()
        let meta = ["format": "pt", "writer": "allone-compress \u{e9}\n"]
        let w = try SafeTensorsWriter(path: path, tensors: sample.map { .init(name: $0.name, dtype: $0.dtype, shape: $0.tensor.shape) },
                                      metadata: meta)
        for d in w.order {
            try w.write(d.name, tensor: sample.first { $0.name == d.name }!.tensor)
        }
        try w.finish()
        let back = try SafeTensorsFile(path: path)
        for s in sample where s.dtype == .f32 {
            #expect(try back.float32(s.name) == s.tensor)
        }
        let (status, output) = try runPeer(path, try expectations(back, dir: dir, metadata: meta))
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("OK 5 tensors"), "\(output)")
    }

    @Test(.enabled(if: hasPython, "needs .venv-peers/bin/python (scripts/setup --peers)"))
    func pythonReadsAFileWrittenInPlaceWithAPaddedHeader() throws {
        let dir = TestPaths.temporaryDirectory("st-peer-placed")
        let partial = dir.appendingPathComponent("partial.safetensors").path, path = dir.appendingPathComponent("model.safetensors").path
        let sample = sample()
        let meta = ["format": "pt", "manifest": "{\"sha\": \"\u{e9}\"}"]
        let w = try SafeTensorsPlacedWriter(path: partial, tensors: sample.map { .init(name: $0.name, dtype: $0.dtype, shape: $0.tensor.shape) },
                                            headerCapacity: 4096, reuseExisting: false)
        for s in sample.reversed() {
            var enc: [UInt8] = []
            _ = s.tensor.storage.withUnsafeBufferPointer { SafeTensorsConversion.encode($0, as: s.dtype, into: &enc) }
            try enc.withUnsafeBytes { try w.write(s.name, bytes: $0) }
        }
        #expect(try w.commit(to: path, metadata: meta))
        let back = try SafeTensorsFile(path: path)
        #expect(back.headerLength == 4096)
        let (status, output) = try runPeer(path, try expectations(back, dir: dir, metadata: meta))
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("OK 5 tensors"), "\(output)")
    }

    @Test(.enabled(if: hasPython, "needs .venv-peers/bin/python (scripts/setup --peers)"))
    func pythonReadsTheSwiftWrittenShards() throws {
        let dir = TestPaths.temporaryDirectory("st-peer-sh")
        let out = dir.appendingPathComponent("ckpt")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let sample = sample()
        let w = try ShardedSafeTensorsWriter(directory: out.path,
                                             tensors: sample.map { .init(name: $0.name, dtype: $0.dtype, shape: $0.tensor.shape) },
                                             maxShardBytes: 150, metadata: ["format": "pt"])
        #expect(w.shardNames.count >= 3)
        for d in w.order { try w.write(d.name, tensor: sample.first { $0.name == d.name }!.tensor) }
        let index = try w.finish()
        let back = try ShardedSafeTensors(indexPath: index)
        let (status, output) = try runPeer(index, try expectations(back, dir: dir, metadata: ["format": "pt"]))
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("OK 5 tensors"), "\(output)")
    }

    @Test(.enabled(if: hasPython, "needs .venv-peers/bin/python (scripts/setup --peers)"))
    func peerScriptDetectsADifference() throws {
        // The check above can fail: a wrong expected value makes the peer exit 1.
        let dir = TestPaths.temporaryDirectory("st-peer-neg")
        let path = dir.appendingPathComponent("m.safetensors").path
        let t = Tensor(shape: [2], storage: [1, 2])!
        try SafeTensorsWriter.write(path: path, tensors: [("w", t)], dtype: .f32)
        let f = dir.appendingPathComponent("w.f32")
        try [Float(1), 3].withUnsafeBytes { try Data($0).write(to: f) }
        let e = dir.appendingPathComponent("e.json")
        try Data("{\"tensors\": {\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"f32\": \"\(f.path)\"}}}".utf8).write(to: e)
        let (status, output) = try runPeer(path, e.path)
        #expect(status == 1)
        #expect(output.contains("w: values differ"))
    }
}
