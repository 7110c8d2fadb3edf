import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct ModelsCLITests {
    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models/stories260K"))
    func catalogueChecksumsMatchTheSharedFiles() throws {
        let folder = (TestPaths.sharedModel("stories260K/stories260K.bin")! as NSString).deletingLastPathComponent
        let r = try CLIRunner.run(["models", "--catalogue", TestPaths.model("catalogue.json"), "--search", folder, "--verify", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let stories = rows.filter { $0["model"] as? String == "stories260K" }
        #expect(stories.count == 3)
        #expect(stories.allSatisfy { $0["status"] as? String == "verified" })
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models/stories260K"))
    func aWrongChecksumExitsTwo() throws {
        let folder = (TestPaths.sharedModel("stories260K/stories260K.bin")! as NSString).deletingLastPathComponent
        var text = try String(contentsOfFile: TestPaths.model("catalogue.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696", with: String(repeating: "0", count: 64))
        let bad = TestPaths.temporaryDirectory("models").appendingPathComponent("catalogue.json")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["models", "--catalogue", bad.path, "--search", folder, "--verify"])
        #expect(r.status == 2)
        #expect(r.stdout.contains("wrong checksum"))
    }
}
