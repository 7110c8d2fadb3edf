import Foundation
import Testing
import TestSupport

/// llama.cpp runs the dense export of a compressed model and gets our perplexity: the fixture
/// (Fixtures/compress/llamacpp_compressed.py, llama-cpp-python 0.3.36, F32 KV cache) holds llama.cpp's
/// perplexity of `export --to gguf` of a masvd-compressed stories260K; `eval` of the compressed checkpoint
/// itself (low-rank layers run natively) must match it within 0.5%.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct CompressedLlamaCppTests {
    static let gguf = TestPaths.sharedModel("stories260K/stories260K.gguf")
    static let shakespeare = TestPaths.sharedCorpus("tinyshakespeare.txt")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")

    @Test(.enabled(if: gguf != nil && shakespeare != nil && text != nil, "needs ../shared models and corpus"))
    func nativeCompressedPerplexityMatchesLlamaCpp() throws {
        let fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("compress/llamacpp_compressed.json")))) as? [String: Any])
        let expected = try #require((fixture["perplexity_ctx256"] as? [String: Any])?["perplexity"] as? Double)
        let out = TestPaths.temporaryDirectory("lcpp").appendingPathComponent("c.safetensors").path
        let c = try CLIRunner.run(["compress", Self.gguf!, "--method", "masvd", "--ratio", "0.2", "--calibration", Self.shakespeare!,
                                   "--calibration-tokens", "2048", "--out", out, "--quiet"])
        #expect(c.status == 0, "\(c.stderr)")
        let r = try CLIRunner.run(["eval", out, "--text", Self.text!, "--max-tokens", "4096", "--ctx", "256", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ours = try #require(o["perplexity"] as? Double)
        #expect(abs(ours - expected) <= 0.005 * expected, "ours \(ours), llama.cpp \(expected)")
    }
}
