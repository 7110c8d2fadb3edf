import Foundation
import Testing
import TestSupport

/// `report` end to end on stories260K with a small budget grid: files written, figures consistent
/// with `eval` (the dense perplexity is the same protocol), and measurement-aware SVD beating plain
/// SVD at equal parameters — the central claim, which holds on this model by a wide margin.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct ReportCLITests {
    static let stories = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let cal = TestPaths.sharedCorpus("tinyshakespeare.txt")
    static let eval = TestPaths.sharedCorpus("tinystories_val.txt")

    @Test(.enabled(if: stories != nil && cal != nil && eval != nil, "needs ../shared models and corpus"))
    func smallReportOnStories260K() throws {
        let out = TestPaths.temporaryDirectory("report").path
        let r = try CLIRunner.run(["report", Self.stories!, "--calibration", Self.cal!, "--eval", Self.eval!,
                                   "--ratios", "0.2", "--methods", "svd,masvd,masvd+alloc,masvd+best,q8_0",
                                   "--calibration-tokens", "1024", "--eval-tokens", "1024", "--out", out, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any])
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.count == 5)
        func ppl(_ m: String) -> Double { runs.first { $0["method"] as? String == m }?["perplexity"] as? Double ?? .nan }
        let dense = try #require(json["densePerplexity"] as? Double)
        // The same protocol as `eval` on the same 1024 tokens.
        let e = try CLIRunner.run(["eval", Self.stories!, "--text", Self.eval!, "--max-tokens", "1024", "--json"])
        let evalJSON = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let evalPPL = try #require(evalJSON["perplexity"] as? Double)
        #expect(abs(dense - evalPPL) <= 1e-9 * dense)
        #expect(ppl("masvd") < ppl("svd"))
        #expect(ppl("masvd+best").isFinite && ppl("masvd+best") < ppl("svd"))
        #expect(ppl("q8_0") < dense * 1.01)
        for run in runs where run["method"] as? String != "q8_0" {
            let removed = try #require(run["fractionRemoved"] as? Double)
            #expect(removed >= 0.2 - 1e-9 && removed < 0.25, "\(run)")
        }
        let claims = try #require(json["claims"] as? [[String: Any]])
        #expect(claims.map { $0["id"] as? String } == ["a", "b", "c", "d"])
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("<script"))
    }

    @Test func refusesSameTextAndBadRatios() throws {
        let a = try CLIRunner.run(["report", "m.gguf", "--calibration", "t.txt", "--eval", "t.txt", "--out", "/tmp/x"])
        #expect(a.status != 0)
        #expect(a.stderr.contains("flatters"))
        let b = try CLIRunner.run(["report", "m.gguf", "--calibration", "a.txt", "--eval", "b.txt", "--ratios", "0.1,1.5", "--out", "/tmp/x"])
        #expect(b.status != 0)
        #expect(b.stderr.contains("ratios"))
    }
}
