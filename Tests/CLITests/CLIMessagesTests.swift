import Foundation
import Testing
import TestSupport

/// The CLI's error contract: every bad input exits 2 with one `error: ` line naming the file and the
/// real problem (bad flags too, with the usage after it); `--quiet` prints nothing.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct CLIMessagesTests {
    static let gguf = TestPaths.sharedModel("stories260K/stories260K.gguf")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")
    let dir = TestPaths.temporaryDirectory("cli-messages")

    @Test func badFlagsAndValuesExitTwoWithTheUsage() throws {
        let model = dir.appendingPathComponent("absent.gguf").path, out = dir.appendingPathComponent("o.safetensors").path
        for (args, message) in [(["compress", model, "--ratio", "0.3", "--bogus", "--out", out], "error: Unknown option '--bogus'"),
                                (["compress", model, "--ratio", "2", "--out", out], "error: --ratio 2.0 is outside (0, 1)"),
                                (["compress", model, "--ratio", "0.3", "--method", "nope", "--out", out], "error: The value 'nope' is invalid for '--method <method>'"),
                                (["compress", model, "--ratio", "0.3"], "error: Missing expected argument '--out <out>'"),
                                (["eval"], "error: Missing expected argument '<model>'"),
                                (["report", model, "--calibration", "a", "--eval", "a", "--out", dir.path], "error: --calibration and --eval are the same file")] {
            let r = try CLIRunner.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix(message), "\(args): \(r.stderr)")
            #expect(r.stderr.contains("Usage: allone-compress"), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        // Bad input found while running: the same prefix and status, one line naming the file.
        let r = try CLIRunner.run(["compress", model, "--ratio", "0.3", "--out", out])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: \(model): "), "\(r.stderr)")
        // Help and version are not errors.
        let h = try CLIRunner.run(["compress", "--help"])
        #expect(h.status == 0 && h.stdout.contains("--eval <eval>"), "\(h.stdout)")
        #expect(try CLIRunner.run(["--version"]).status == 0)
    }

    @Test(.enabled(if: gguf != nil && text != nil, "needs ../shared/models/stories260K and ../shared/corpus"))
    func damagedOrForeignCheckpointsAreNamedWithTheirRealProblem() throws {
        let c = dir.appendingPathComponent("c.safetensors").path
        #expect(try CLIRunner.run(["compress", Self.gguf!, "--ratio", "0.3", "--out", c, "--quiet"]).status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: c))
        let truncated = dir.appendingPathComponent("truncated.safetensors").path
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        let tiny = dir.appendingPathComponent("cut.safetensors").path  // cut inside the JSON header
        try data.prefix(100).write(to: URL(fileURLWithPath: tiny))
        // A plain safetensors (no manifest) with no config.json beside it: the export of the compressed one.
        let plain = dir.appendingPathComponent("plain.safetensors").path
        #expect(try CLIRunner.run(["export", c, "--to", "safetensors", "--out", plain, "--quiet"]).status == 0)
        // The export writes a Hugging Face config.json beside it; without one it is neither kind of checkpoint.
        try? FileManager.default.removeItem(at: dir.appendingPathComponent("config.json"))
        for (file, problem) in [(truncated, "truncated"), (tiny, "truncated"),
                                (plain, "neither a compressed checkpoint (its __metadata__ has no 'allone.manifest') nor a Hugging Face checkpoint (no config.json beside it)")] {
            for args in [["eval", file, "--text", Self.text!], ["generate", file, "--prompt", "Once"]] {
                let r = try CLIRunner.run(args)
                #expect(r.status == 2, "\(args): \(r.stderr)")
                #expect(r.stderr.hasPrefix("error: \(file): ") && r.stderr.contains(problem), "\(args): \(r.stderr)")
                #expect(!r.stderr.contains("config.json: cannot read"), "\(r.stderr)")
            }
        }
    }

    @Test(.enabled(if: gguf != nil && text != nil, "needs ../shared/models/stories260K and ../shared/corpus"))
    func emptyTextsAreNamed() throws {
        let empty = dir.appendingPathComponent("empty.txt").path
        try Data().write(to: URL(fileURLWithPath: empty))
        let out = dir.appendingPathComponent("o.safetensors").path
        for args in [["eval", Self.gguf!, "--text", empty],
                     ["calibrate", Self.gguf!, "--text", empty, "--tokens", "64", "--out", dir.appendingPathComponent("s.safetensors").path],
                     ["compress", Self.gguf!, "--method", "masvd", "--ratio", "0.3", "--calibration", empty, "--out", out],
                     ["compress", Self.gguf!, "--ratio", "0.3", "--eval", empty, "--out", out],
                     ["report", Self.gguf!, "--calibration", Self.text!, "--eval", empty, "--ratios", "0.3", "--methods", "svd", "--out", dir.appendingPathComponent("r").path],
                     ["report", Self.gguf!, "--calibration", empty, "--eval", Self.text!, "--ratios", "0.3", "--methods", "svd", "--out", dir.appendingPathComponent("r").path]] {
            let r = try CLIRunner.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("error: \(empty): ") && r.stderr.contains("empty"), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(.enabled(if: gguf != nil, "needs ../shared/models/stories260K"))
    func quietExportPrintsNothing() throws {
        let out = dir.appendingPathComponent("e.safetensors").path
        let q = try CLIRunner.run(["export", Self.gguf!, "--to", "safetensors", "--out", out, "--quiet"])
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.isEmpty && q.stderr.isEmpty, "stdout: \(q.stdout) stderr: \(q.stderr)")
        let loud = try CLIRunner.run(["export", Self.gguf!, "--to", "safetensors", "--out", out])
        #expect(loud.stdout.hasPrefix("wrote \(out)"), "\(loud.stdout)")
    }
}
