import Foundation
import Testing
import TestSupport

/// `eval` runs a compressed checkpoint natively (low-rank layers as two GEMMs, config and tokenizer
/// from the metadata it carries), and gets the perplexity of its dense export (`export --to gguf`) —
/// two independent paths to the same function.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct CompressedEvalCLITests {
    static let gguf = TestPaths.sharedModel("stories260K/stories260K.gguf")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")

    @Test(.enabled(if: gguf != nil && text != nil, "needs ../shared models and corpus"))
    func nativeEqualsDenseExport() throws {
        let dir = TestPaths.temporaryDirectory("ceval")
        let c = dir.appendingPathComponent("c.safetensors").path, d = dir.appendingPathComponent("d.gguf").path
        #expect(try CLIRunner.run(["compress", Self.gguf!, "--method", "svd", "--ratio", "0.2", "--out", c, "--quiet"]).status == 0)
        #expect(try CLIRunner.run(["export", c, "--to", "gguf", "--dtype", "f32", "--out", d, "--quiet"]).status == 0)
        func ppl(_ path: String) throws -> Double {
            let r = try CLIRunner.run(["eval", path, "--text", Self.text!, "--max-tokens", "600", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return try #require(o["perplexity"] as? Double)
        }
        let native = try ppl(c), dense = try ppl(d)
        #expect(abs(native - dense) <= 1e-4 * dense, "native \(native) vs dense export \(dense)")
    }
}
