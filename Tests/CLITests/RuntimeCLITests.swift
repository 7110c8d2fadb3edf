import Foundation
import Testing
import TestSupport

/// `eval`, `generate`, `calibrate` end to end on stories260K.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct RuntimeCLITests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let gguf = TestPaths.sharedModel("stories260K/stories260K.gguf")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")

    @Test(.enabled(if: bin != nil && text != nil, "needs ../shared"))
    func evalJSONMatchesTheNumpyReference() throws {
        let r = try CLIRunner.run(["eval", Self.bin!, "--text", Self.text!, "--ctx", "256", "--max-tokens", "4096", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ref = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("reflm/reference.json")))) as? [String: Any])
        let golden = try #require((ref["perplexity"] as? [String: [String: Double]])?["ctx256_f64"]?["perplexity"])
        let ppl = try #require(obj["perplexity"] as? Double)
        #expect(abs(ppl / golden - 1) <= 0.005)
        #expect(obj["tokens"] as? Int == 4096 && obj["windows"] as? Int == 17)
    }

    @Test(.enabled(if: gguf != nil, "needs ../shared"))
    func generateGreedyFromBOS() throws {
        let r = try CLIRunner.run(["generate", Self.gguf!, "--tokens", "20"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("Once upon a time, there was a little girl named Lily."))
        let a = try CLIRunner.run(["generate", Self.gguf!, "--prompt", "Tom", "--tokens", "15", "--temperature", "0.9", "--seed", "5"])
        let b = try CLIRunner.run(["generate", Self.gguf!, "--prompt", "Tom", "--tokens", "15", "--temperature", "0.9", "--seed", "5"])
        #expect(a.status == 0 && a.stdout == b.stdout && a.stdout.hasPrefix("Tom"))
    }

    @Test(.enabled(if: bin != nil && text != nil, "needs ../shared"))
    func calibrateWritesStatisticsAndBadInputExitsWith2() throws {
        let out = TestPaths.temporaryDirectory("calib").appendingPathComponent("stats.safetensors").path
        let r = try CLIRunner.run(["calibrate", Self.bin!, "--text", Self.text!, "--tokens", "300", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
        for args in [["eval", "/nonexistent.bin", "--text", Self.text!], ["eval", Self.bin!, "--text", "/nonexistent.txt"],
                     ["eval", Self.bin!, "--text", Self.text!, "--ctx", "1"], ["generate", Self.bin!, "--temperature=-1"],
                     ["eval", TestPaths.fixture("malformed/llama2c/ck_cut_in_wk.bin"), "--text", Self.text!]] {
            let bad = try CLIRunner.run(args)
            #expect(bad.status == 2, "\(args): \(bad.stderr)")
            #expect(!bad.stderr.isEmpty)
        }
    }
}
