import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

/// The malformed llama2.c corpus (`Fixtures/malformed/llama2c/`, made by `make_malformed.py`) and the
/// real stories260K files.
@Suite struct Llama2CTests {
    struct Manifest: Decodable {
        struct Model: Decodable {
            var dim: Int, hidden_dim: Int, n_layers: Int, n_heads: Int, n_kv_heads: Int, vocab_size: Int, seq_len: Int
            var offsets: [String: Int]
        }
        struct Entry: Decodable { var file: String, kind: String, error: String, field: String?, vocab_size: Int? }
        var model: Model
        var files: [Entry]
    }

    static func manifest() throws -> Manifest {
        try FixtureReader.json(Manifest.self, TestPaths.fixture("malformed/llama2c/manifest.json"))
    }

    /// The error's case name as the manifest spells it.
    static func caseName(_ e: WeightFormatError) -> String {
        switch e {
        case .io: return "io"
        case .truncated: return "truncated"
        case .badMagic: return "badMagic"
        case .unsupportedVersion: return "unsupportedVersion"
        case .invalid: return "invalid"
        case .limitExceeded: return "limitExceeded"
        case .duplicate: return "duplicate"
        case .unknownType: return "unknownType"
        case .unsupportedConversion: return "unsupportedConversion"
        case .tensorNotFound: return "tensorNotFound"
        case .nonFinite: return "nonFinite"
        case .shapeMismatch: return "shapeMismatch"
        case .writeFailed: return "writeFailed"
        }
    }

    @Test func corpusIsLargeEnough() throws {
        let m = try Self.manifest()
        #expect(m.files.filter { $0.kind == "checkpoint" && $0.error != "ok" }.count >= 25)
        #expect(m.files.filter { $0.kind == "tokenizer" && $0.error != "ok" }.count >= 15)
    }

    @Test func everyMalformedFileIsRefusedWithTheExpectedError() throws {
        let m = try Self.manifest()
        for e in m.files where e.error != "ok" {
            let path = TestPaths.fixture("malformed/llama2c/" + e.file)
            do {
                if e.kind == "checkpoint" {
                    _ = try Llama2CCheckpoint(path: path)
                } else {
                    _ = try Llama2CTokenizerFile(path: path, vocabSize: e.vocab_size)
                }
                Issue.record("\(e.file) was accepted; expected \(e.error) in \(e.field ?? "?")")
            } catch let error as WeightFormatError {
                #expect(Self.caseName(error) == e.error, "\(e.file): \(error)")
                #expect(error.field == e.field, "\(e.file): \(error)")
                #expect(error.file == path)
                #expect(error.description.contains(e.file))
            } catch {
                Issue.record("\(e.file): unexpected error type \(error)")
            }
        }
    }

    @Test func validTiedCheckpointFollowsRunCOrder() throws {
        let m = try Self.manifest()
        let ck = try Llama2CCheckpoint(path: TestPaths.fixture("malformed/llama2c/valid_tied.bin"))
        let (D, H, L, V) = (m.model.dim, m.model.hidden_dim, m.model.n_layers, m.model.vocab_size)
        let kv = m.model.n_kv_heads * (D / m.model.n_heads)
        #expect(ck.header.sharedClassifier)
        #expect(ck.info("output.weight") == nil)
        #expect(ck.tensors.count == 2 + 9 * L)
        // The valid files hold float(i) at float index i of the data stream (after the 28-byte header).
        func firstValue(_ name: String) throws -> Float { try ck.float32(name).storage[0] }
        func index(_ array: String, layer: Int, perLayer: Int) -> Float {
            Float((m.model.offsets[array]! - 28) / 4 + layer * perLayer)
        }
        let q1 = try ck.float32("blk.1.attn_q.weight")
        #expect(q1.shape == [D, D])
        #expect(q1.storage[0] == index("wq", layer: 1, perLayer: D * D))
        #expect(q1.storage[D + 2] == index("wq", layer: 1, perLayer: D * D) + Float(D + 2))  // row 1, column 2
        #expect(try ck.float32("blk.1.attn_k.weight").shape == [kv, D])
        #expect(try firstValue("blk.1.attn_v.weight") == index("wv", layer: 1, perLayer: kv * D))
        #expect(try ck.float32("blk.0.ffn_gate.weight").shape == [H, D])
        #expect(try ck.float32("blk.0.ffn_down.weight").shape == [D, H])
        #expect(try firstValue("blk.1.ffn_down.weight") == index("w2", layer: 1, perLayer: D * H))
        #expect(try firstValue("blk.0.ffn_up.weight") == index("w3", layer: 0, perLayer: H * D))
        #expect(try firstValue("blk.1.ffn_norm.weight") == index("rms_ffn_weight", layer: 1, perLayer: D))
        #expect(try firstValue("output_norm.weight") == index("rms_final_weight", layer: 0, perLayer: 0))
        #expect(try ck.float32("token_embd.weight").shape == [V, D])
        #expect(TensorRole(name: "blk.1.ffn_gate.weight") == ck.info("blk.1.ffn_gate.weight")?.role)
        #expect(ck.metadata["llama2c.n_kv_heads"] == .int32(Int32(m.model.n_kv_heads)))
        #expect(throws: WeightFormatError.self) { try ck.float32("blk.9.attn_q.weight") }
    }

    @Test func validUntiedCheckpointExposesItsClassifier() throws {
        let m = try Self.manifest()
        let ck = try Llama2CCheckpoint(path: TestPaths.fixture("malformed/llama2c/valid_untied.bin"))
        #expect(!ck.header.sharedClassifier)
        let out = try ck.float32("output.weight")
        #expect(out.shape == [m.model.vocab_size, m.model.dim])
        // wcls follows freq_cis_imag, the last array of the tied layout.
        let tiedFloats = (try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("malformed/llama2c/valid_tied.bin"))).count - 28) / 4
        #expect(out.storage[0] == Float(tiedFloats))
    }

    @Test func validTokenizerParses() throws {
        let t = try Llama2CTokenizerFile(path: TestPaths.fixture("malformed/llama2c/valid_tok.bin"), vocabSize: 10)
        #expect(t.maxTokenLength == 6)
        #expect(t.pieces.count == 10)
        #expect(t.pieces[9] == Array(" ab".utf8))
        #expect(t.scores[9] == -9)
    }

    @Test func inMemoryParsingMatchesFileParsing() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("malformed/llama2c/valid_untied.bin")))
        let layout = try data.withUnsafeBytes { try Llama2CCheckpoint.layout(of: Llama2CByteReader(bytes: $0), path: "mem") }
        #expect(layout.byteCount == data.count)
        #expect(layout.tensors.last?.name == "output.weight")
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models/stories260K"))
    func stories260KCheckpoint() throws {
        let path = try #require(TestPaths.sharedModel("stories260K/stories260K.bin"))
        let ck = try Llama2CCheckpoint(path: path)
        #expect(ck.header == Llama2CHeader(dim: 64, hiddenDim: 172, layerCount: 5, headCount: 8, kvHeadCount: 4,
                                           vocabSize: 512, sequenceLength: 512, sharedClassifier: true))
        #expect(ck.tensors.count == 2 + 9 * 5)
        #expect(ck.parameterCount == 512 * 64 + 5 * (64 + 64 * 64 * 2 + 2 * 32 * 64 + 64 + 3 * 172 * 64) + 64)
        // The first value of the embedding is the first float after the header.
        let raw = try Data(contentsOf: URL(fileURLWithPath: path))
        let first = raw.withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 28, as: UInt32.self))) }
        #expect(try ck.float32("token_embd.weight").storage[0] == first)
        // RMSNorm weights of a trained model are positive-ish and finite.
        let norm = try ck.float32("blk.4.ffn_norm.weight")
        #expect(norm.shape == [64] && norm.firstNonFiniteIndex() == nil)
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/tok512.bin") != nil, "needs ../shared/models/stories260K"))
    func stories260KTokenizer() throws {
        let path = try #require(TestPaths.sharedModel("stories260K/tok512.bin"))
        let t = try Llama2CTokenizerFile(path: path, vocabSize: 512)
        #expect(t.maxTokenLength == 7)
        #expect(t.pieces[1] == Array("\n<s>\n".utf8))
        #expect(t.pieces[3] == Array("<0x00>".utf8))
        #expect(t.pieces[259] == Array(" t".utf8))
        #expect(t.scores[260] == -1)
    }
}
