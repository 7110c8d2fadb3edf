import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct InspectCLITests {
    @Test func versionAndHelp() throws {
        let v = try CLIRunner.run(["--version"])
        #expect(v.status == 0)
        #expect(!v.stdout.isEmpty)
        let h = try CLIRunner.run(["--help"])
        #expect(h.stdout.contains("inspect"))
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models/stories260K"))
    func inspectLlama2CAsJSON() throws {
        let path = TestPaths.sharedModel("stories260K/stories260K.bin")!
        let r = try CLIRunner.run(["inspect", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        // Known figures of stories260K (../shared/models/README.md): dim 64, 5 layers, vocab 512.
        #expect(obj["format"] as? String == "llama2.c")
        #expect(obj["parameter_count"] as? Int == 260_032)
        let tensors = try #require(obj["tensors"] as? [[String: Any]])
        let q0 = try #require(tensors.first { $0["name"] as? String == "blk.0.attn_q.weight" })
        #expect(q0["shape"] as? [Int] == [64, 64])
        #expect(q0["role"] as? String == "attn_q")
        #expect(q0["layer"] as? Int == 0)
    }

    @Test func badInputExitsTwoNamingTheFile() throws {
        let dir = TestPaths.temporaryDirectory("cli")
        let junk = dir.appendingPathComponent("junk.bin").path
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: junk))
        let r = try CLIRunner.run(["inspect", junk])
        #expect(r.status == 2)
        #expect(r.stderr.contains(junk))
        let missing = try CLIRunner.run(["inspect", dir.appendingPathComponent("nope.gguf").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.gguf"))
        let flag = try CLIRunner.run(["inspect", junk, "--no-such-flag"])
        #expect(flag.status != 0)
    }
}
