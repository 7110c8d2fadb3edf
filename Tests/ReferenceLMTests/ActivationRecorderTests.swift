import Foundation
import Testing
import TestSupport
@testable import ReferenceLM
import WeightFormats

@Suite struct ActivationRecorderTests {
    static func float64(_ path: String) throws -> [Double] {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        return d.withUnsafeBytes { raw in
            (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models"))
    func gramMatchesNumpyOnStories260K() throws {
        let lm = try LanguageModel.load(path: try #require(TestPaths.sharedModel("stories260K/stories260K.bin")))
        let tokens = try FixtureReader.int32(TestPaths.fixture("reflm/tokens.i32")).map(Int.init)
        let rec = ActivationRecorder()
        var cache = lm.model.makeCache()
        _ = try lm.model.forward(tokens, cache: &cache, recorder: rec)
        #expect(rec.statistics.count == 4 * 5 + 1)
        for site in ["blk.0.attn_qkv", "blk.2.attn_output", "blk.3.ffn_gate_up", "blk.4.ffn_down", "output"] {
            let s = try #require(rec.statistics[site])
            let gram = try Self.float64(TestPaths.fixture("reflm/gram.\(site).f64"))
            let mean = try Self.float64(TestPaths.fixture("reflm/mean_abs.\(site).f64"))
            #expect(s.tokens == tokens.count)
            #expect(Approximate.relativeError(s.gram, gram) <= 1e-4, "\(site)")
            #expect(Approximate.relativeError(s.meanAbs, mean) <= 1e-4, "\(site)")
        }
        // q, k and v share one site; gate and up share another.
        #expect(rec.statistics(for: TensorRole(layer: 3, kind: .attnV)) == rec.statistics["blk.3.attn_qkv"])
        #expect(rec.statistics(for: TensorRole(layer: 1, kind: .ffnUp))?.width == 64)
        #expect(rec.statistics(for: TensorRole(layer: 1, kind: .ffnDown))?.width == 172)
    }

    @Test func gramIsSymmetricSumOverRowsAndRoundTripsThroughSafeTensors() throws {
        let rec = ActivationRecorder()
        let x: [Float] = [1, 2, 3, -1, 0, 2]  // (2, 3)
        rec.record(.mlpInput, layer: 0, x, rows: 2)
        rec.record(.mlpInput, layer: 0, [0, 0, 1], rows: 1)
        let s = try #require(rec.statistics["blk.0.ffn_gate_up"])
        // Σ xᵀx by hand: rows (1,2,3), (−1,0,2), (0,0,1)
        #expect(s.gram == [2, 2, 1, 2, 4, 6, 1, 6, 14])
        #expect(s.meanAbs == [2.0 / 3, 2.0 / 3, 2])
        #expect(s.tokens == 3)
        let dir = TestPaths.temporaryDirectory("stats")
        let path = dir.appendingPathComponent("s.safetensors").path
        try rec.save(to: path, metadata: ["text": "unit"])
        let (back, meta) = try ActivationRecorder.load(from: path)
        #expect(back.statistics == rec.statistics)
        #expect(meta["text"] == "unit" && meta["format"] == ActivationRecorder.fileFormat)
        // The file is a standard safetensors file: 8-byte header length, header padded to 8 bytes.
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = d.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(n % 8 == 0 && d.count == 8 + n + 9 * 8 + 3 * 8 + 8)
    }

    static let python = TestPaths.repositoryRoot.appendingPathComponent(".venv-peers/bin/python").path

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python), "needs .venv-peers (scripts/setup --peers)"))
    func statisticsFileReadsInPythonSafetensors() throws {
        let python = Self.python
        let rec = ActivationRecorder()
        rec.record(.attentionInput, layer: 2, [1, 2, 3, 4], rows: 2)
        let path = TestPaths.temporaryDirectory("stats-py").appendingPathComponent("s.safetensors").path
        try rec.save(to: path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", """
            import sys; from safetensors.numpy import load_file; from safetensors import safe_open
            t = load_file(sys.argv[1]); m = safe_open(sys.argv[1], 'np').metadata()
            assert t['blk.2.attn_qkv.gram'].tolist() == [[10.0, 14.0], [14.0, 20.0]], t
            assert t['blk.2.attn_qkv.tokens'].tolist() == [2] and m['format'] == 'allone-activation-stats'
            """, path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test func malformedStatisticsFilesAreRefused() throws {
        let dir = TestPaths.temporaryDirectory("stats-bad")
        for (i, bytes) in [[UInt8](), [8, 0, 0, 0, 0, 0, 0, 0] + Array("not json".utf8), [255, 255, 255, 255, 0, 0, 0, 0]].enumerated() {
            let path = dir.appendingPathComponent("\(i).safetensors").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(throws: ReferenceLMError.self) { try ActivationRecorder.load(from: path) }
        }
    }
}
