import Foundation
import Testing
import TestSupport

/// `compress --eval`: the perplexity it reports for the source and for the written checkpoint is the
/// one `eval` gives for the same files, text, token count and window (two separate runs of the CLI),
/// and the calibration text is refused as evaluation text however it is named.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct CompressEvalCLITests {
    static let stories = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")
    let dir = TestPaths.temporaryDirectory("compress-eval-cli")

    /// `eval PATH --text TEXT --max-tokens N --ctx C --json` → its perplexity.
    /// (A compressed llama2.c model carries no tokenizer: `--tokenizer` names the source's.)
    func evalPerplexity(_ path: String, tokens: Int, context: Int) throws -> Double {
        let tokenizer = (Self.stories! as NSString).deletingLastPathComponent + "/tok512.bin"
        let r = try CLIRunner.run(["eval", path, "--tokenizer", tokenizer, "--text", Self.text!, "--max-tokens", String(tokens),
                                   "--ctx", String(context), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(o["perplexity"] as? Double)
    }

    @Test(.enabled(if: stories != nil && text != nil, "needs ../shared/models/stories260K and ../shared/corpus"))
    func reportedPerplexitiesAreWhatEvalGives() throws {
        let out = dir.appendingPathComponent("c.safetensors").path
        let r = try CLIRunner.run(["compress", Self.stories!, "--method", "svd", "--ratio", "0.3", "--eval", Self.text!,
                                   "--eval-tokens", "700", "--eval-context", "128", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let e = try #require(o["eval"] as? [String: Any], "no eval object in \(r.stdout)")
        let dense = try #require(e["dense_perplexity"] as? Double)
        let compressed = try #require(e["compressed_perplexity"] as? Double)
        let increase = try #require(e["relative_increase"] as? Double)
        #expect(e["tokens"] as? Int == 700)
        #expect(e["context"] as? Int == 128)
        #expect(e["windows"] as? Int == 6)  // ⌈700 / 127⌉
        #expect(e["text"] as? String == Self.text!)
        // The same protocol and code in another process: equal up to summation order (same thread count, so exactly).
        let evalDense = try evalPerplexity(Self.stories!, tokens: 700, context: 128)
        let evalCompressed = try evalPerplexity(out, tokens: 700, context: 128)
        #expect(abs(dense - evalDense) <= 1e-9 * evalDense, "compress \(dense) vs eval \(evalDense)")
        #expect(abs(compressed - evalCompressed) <= 1e-9 * evalCompressed, "compress \(compressed) vs eval \(evalCompressed)")
        #expect(abs(increase - (compressed / dense - 1)) <= 1e-12)
        #expect(compressed > dense, "removing 30% of the linear parameters by plain SVD costs perplexity")

        // The text summary states the same figures; without --eval it says how to measure.
        let out2 = dir.appendingPathComponent("t.safetensors").path
        let t = try CLIRunner.run(["compress", Self.stories!, "--ratio", "0.3", "--eval", Self.text!, "--eval-tokens", "700",
                                   "--eval-context", "128", "--out", out2])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("dense \(String(format: "%.4f", dense)) → compressed \(String(format: "%.4f", compressed))"), "\(t.stdout)")
        let out3 = dir.appendingPathComponent("n.safetensors").path
        let n = try CLIRunner.run(["compress", Self.stories!, "--ratio", "0.3", "--out", out3])
        #expect(n.status == 0, "\(n.stderr)")
        #expect(n.stdout.contains("perplexity not measured: add --eval TEXT"), "\(n.stdout)")
        #expect(!n.stdout.contains("dense "))
    }

    @Test(.enabled(if: stories != nil && text != nil, "needs ../shared/models/stories260K and ../shared/corpus"))
    func theCalibrationTextIsRefusedAsEvaluationText() throws {
        let out = dir.appendingPathComponent("r.safetensors").path
        // The same file under other names: a symbolic link, and a path through "..".
        let link = dir.appendingPathComponent("alias.txt").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Self.text!)
        let dotted = (Self.text! as NSString).deletingLastPathComponent + "/../corpus/" + (Self.text! as NSString).lastPathComponent
        for alias in [link, dotted] {
            let r = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--ratio", "0.3", "--calibration", Self.text!,
                                       "--calibration-tokens", "256", "--eval", alias, "--out", out])
            #expect(r.status == 2, "\(alias): \(r.stderr)")
            #expect(r.stderr.contains("is the calibration text"), "\(r.stderr)")
        }
        // A copy (another file, the same bytes) is refused too, before anything is written.
        let copy = dir.appendingPathComponent("copy.txt").path
        try FileManager.default.copyItem(atPath: Self.text!, toPath: copy)
        let c = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--ratio", "0.3", "--calibration", Self.text!,
                                   "--calibration-tokens", "256", "--eval", copy, "--out", out])
        #expect(c.status == 2, "\(c.stderr)")
        #expect(c.stderr.contains("same contents as the calibration text"), "\(c.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(!FileManager.default.fileExists(atPath: out + ".journal"))
    }
}
