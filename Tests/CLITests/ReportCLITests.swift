import Foundation
import Testing
import TestSupport

/// `report` end to end on stories260K with a small budget grid: files written, figures consistent
/// with `eval` (the dense perplexity is the same protocol), and measurement-aware SVD beating plain
/// SVD at equal parameters — the central claim, which holds on this model by a wide margin. The
/// report's byte counts, layer-0 shares and equal-bytes run are checked against files `compress`
/// writes with the same options (an independent path: the CLI, the written safetensors, its manifest).
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct ReportCLITests {
    static let stories = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let cal = TestPaths.sharedCorpus("tinyshakespeare.txt")
    static let eval = TestPaths.sharedCorpus("tinystories_val.txt")

    /// The safetensors header's `__metadata__["allone.manifest"]` and the size of the data section.
    static func manifest(_ path: String) throws -> (manifest: [String: Any], dataBytes: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.dropFirst(8).prefix(n)) as? [String: Any])
        let meta = try #require(header["__metadata__"] as? [String: String])
        let text = try #require(meta["allone.manifest"])
        let m = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return (m, data.count - 8 - n)
    }

    static let blockLinear = [".attn_q.", ".attn_k.", ".attn_v.", ".attn_output.", ".ffn_gate.", ".ffn_up.", ".ffn_down."]

    @Test(.enabled(if: stories != nil && cal != nil && eval != nil, "needs ../shared models and corpus"))
    func smallReportOnStories260K() throws {
        let dir = TestPaths.temporaryDirectory("report")
        let out = dir.path
        let r = try CLIRunner.run(["report", Self.stories!, "--calibration", Self.cal!, "--eval", Self.eval!,
                                   "--ratios", "0.2", "--methods", "svd,masvd,masvd+alloc,masvd+best,q8_0",
                                   "--calibration-tokens", "1024", "--eval-tokens", "1024", "--out", out, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any])
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.count == 7)  // four methods at 20%, q8_0, and masvd+best and masvd+alloc at q8_0's byte size
        func find(_ m: String, bytesBudget: Bool = false) -> [String: Any]? {
            runs.first { $0["method"] as? String == m && ($0["byteBudget"] != nil) == bytesBudget }
        }
        func ppl(_ m: String) -> Double { find(m)?["perplexity"] as? Double ?? .nan }
        let dense = try #require(json["densePerplexity"] as? Double)
        // The same protocol as `eval` on the same 1024 tokens.
        let e = try CLIRunner.run(["eval", Self.stories!, "--text", Self.eval!, "--max-tokens", "1024", "--json"])
        let evalJSON = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let evalPPL = try #require(evalJSON["perplexity"] as? Double)
        #expect(abs(dense - evalPPL) <= 1e-9 * dense)
        #expect(ppl("masvd") < ppl("svd"))
        #expect(ppl("masvd+best").isFinite && ppl("masvd+best") < ppl("svd"))
        #expect(ppl("q8_0") < dense * 1.01)
        for run in runs where run["method"] as? String != "q8_0" && run["byteBudget"] == nil {
            let removed = try #require(run["fractionRemoved"] as? Double)
            #expect(removed >= 0.2 - 1e-9 && removed < 0.25, "\(run)")
            #expect(run["dtype"] as? String == "F32")
        }
        let claims = try #require(json["claims"] as? [[String: Any]])
        #expect(claims.map { $0["id"] as? String } == ["a", "b", "c", "d"])
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("<script"))
        // The heat map has one row per layer (stories260K: 5 layers).
        #expect(html.contains(">layer 0<") && html.contains(">layer 4<"))

        // Independent truth 1: `compress` with the product's options at the same budget and calibration writes the
        // same plan. Its data section is the report's byte count, its manifest gives the layer-0 share of the
        // removed parameters, and `eval` on the file gives the report's perplexity.
        let best = try #require(find("masvd+best"))
        let file = dir.appendingPathComponent("best.safetensors").path
        let c = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--allocate", "entropy", "--ratio", "0.2",
                                   "--calibration", Self.cal!, "--calibration-tokens", "1024", "--out", file, "--quiet"])
        #expect(c.status == 0, "\(c.stderr)")
        let (m, dataBytes) = try Self.manifest(file)
        #expect(best["bytes"] as? Int == dataBytes)
        let tensors = try #require(m["tensors"] as? [[String: Any]])
        var removed = 0, removedLayer0 = 0
        for t in tensors {
            guard let name = t["name"] as? String, Self.blockLinear.contains(where: { name.contains($0) }),
                  let shape = t["originalShape"] as? [Int] else { continue }
            let kept = (t["rank"] as? Int).map { $0 * (shape[0] + shape[1]) } ?? shape[0] * shape[1]
            removed += shape[0] * shape[1] - kept
            if name.hasPrefix("blk.0.") { removedLayer0 += shape[0] * shape[1] - kept }
        }
        let share = Double(removedLayer0) / Double(removed)
        let reported = try #require(best["layerZeroRemovedShare"] as? Double)
        #expect(abs(reported - share) < 1e-12, "report \(reported), manifest \(share)")
        let claimC = try #require(claims.first { $0["id"] as? String == "c" })
        #expect((claimC["measured"] as? String)?.contains(String(format: "%.1f%%", share * 100)) == true, "\(claimC)")
        let tokenizer = URL(fileURLWithPath: Self.stories!).deletingLastPathComponent().appendingPathComponent("tok512.bin").path
        let fileEval = try CLIRunner.run(["eval", file, "--tokenizer", tokenizer, "--text", Self.eval!, "--max-tokens", "1024", "--json"])
        #expect(fileEval.status == 0, "\(fileEval.stderr)")
        let fileJSON = try #require(try JSONSerialization.jsonObject(with: Data(fileEval.stdout.utf8)) as? [String: Any])
        let filePPL = try #require(fileJSON["perplexity"] as? Double)
        #expect(abs(filePPL - ppl("masvd+best")) <= 1e-6 * filePPL, "file \(filePPL), report \(ppl("masvd+best"))")

        // Independent truth 2: q8_0's bytes from the tensor shapes (34 bytes per 32 weights of the block linear layers
        // whose rows are whole blocks — not stories260K's ffn_down, 172 columns —, other 2-D tensors F16, 1-D F32), and the equal-bytes run reproduced by `compress --bytes N --dtype f16`.
        var q8Bytes = 0
        for t in tensors {
            guard let name = t["name"] as? String, let shape = t["originalShape"] as? [Int] else { continue }
            let count = shape.reduce(1, *)
            let quantized = Self.blockLinear.contains(where: { name.contains($0) }) && shape.last! % 32 == 0  // whole Q8_0 blocks per row
            q8Bytes += quantized ? count / 32 * 34 : count * (shape.count < 2 ? 4 : 2)
        }
        let q8 = try #require(find("q8_0"))
        #expect(q8["bytes"] as? Int == q8Bytes)
        let equal = try #require(find("masvd+best", bytesBudget: true))
        #expect(equal["byteBudget"] as? Int == q8Bytes && equal["dtype"] as? String == "F16")
        let equalBytes = try #require(equal["bytes"] as? Int)
        #expect(equalBytes <= q8Bytes && equalBytes > q8Bytes * 9 / 10)
        let halfFile = dir.appendingPathComponent("equal.safetensors").path
        let h = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--allocate", "entropy", "--bytes", "\(q8Bytes)",
                                   "--dtype", "f16", "--calibration", Self.cal!, "--calibration-tokens", "1024", "--out", halfFile, "--quiet"])
        #expect(h.status == 0, "\(h.stderr)")
        #expect(try Self.manifest(halfFile).dataBytes == equalBytes)
        let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(md.contains("## At equal bytes") && md.contains("| q8_0 | \(q8Bytes) |"))
    }

    @Test func refusesSameTextAndBadRatios() throws {
        let a = try CLIRunner.run(["report", "m.gguf", "--calibration", "t.txt", "--eval", "t.txt", "--out", "/tmp/x"])
        #expect(a.status != 0)
        #expect(a.stderr.contains("flatters"))
        let b = try CLIRunner.run(["report", "m.gguf", "--calibration", "a.txt", "--eval", "b.txt", "--ratios", "0.1,1.5", "--out", "/tmp/x"])
        #expect(b.status != 0)
        #expect(b.stderr.contains("ratios"))
    }

    @Test func refusesEmptyAndRepeatedListsAndTheSameTextUnderAnotherName() throws {
        let dir = TestPaths.temporaryDirectory("report-input")
        let a = dir.appendingPathComponent("a.txt").path, link = dir.appendingPathComponent("link.txt").path
        let copy = dir.appendingPathComponent("copy.txt").path, other = dir.appendingPathComponent("other.txt").path
        try "Once upon a time there was a cat.".write(toFile: a, atomically: true, encoding: .utf8)
        try "Once upon a time there was a cat.".write(toFile: copy, atomically: true, encoding: .utf8)
        try "A different text.".write(toFile: other, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: a)
        let out = dir.appendingPathComponent("out").path
        func report(_ extra: [String], cal: String = a, eval: String = other) throws -> CLIRunner.Result {
            try CLIRunner.run(["report", "missing-model.gguf", "--calibration", cal, "--eval", eval, "--out", out] + extra)
        }
        for (args, message) in [(["--methods", ""], "--methods is empty"), (["--methods", " , "], "--methods is empty"),
                                (["--methods", "svd,masvd,svd"], "lists svd twice"), (["--ratios", "0.1,0.2,0.10"], "twice"),
                                (["--eval-tokens", "10"], "--eval-tokens")] {
            let r = try report(args)
            #expect(r.status != 0 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        // The same file through a symbolic link, through `.` and `..`, and a copy with the same content.
        for (cal, eval) in [(a, link), (a, dir.appendingPathComponent("./sub/../a.txt").path), (a, copy)] {
            let r = try report([], cal: cal, eval: eval)
            #expect(r.status != 0 && r.stderr.contains("flatters"), "\(cal) \(eval): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test(.enabled(if: stories != nil && cal != nil, "needs ../shared models and corpus"))
    func refusesTooShortOrEmptyEvaluationTextNamingTheFile() throws {
        let dir = TestPaths.temporaryDirectory("report-short")
        let short = dir.appendingPathComponent("short.txt").path, empty = dir.appendingPathComponent("empty.txt").path
        try "Hi there".write(toFile: short, atomically: true, encoding: .utf8)
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        for file in [short, empty] {
            let r = try CLIRunner.run(["report", Self.stories!, "--calibration", Self.cal!, "--eval", file,
                                       "--methods", "svd", "--ratios", "0.2", "--out", dir.appendingPathComponent("out").path, "--quiet"])
            #expect(r.status == 2, "\(r.stderr)")
            // The empty file is refused by the CLI's text check before the model loads; the short one by the runner.
            let reason = file == empty ? r.stderr.contains("no evaluation text (the file is empty)")
                                       : r.stderr.contains("evaluation text too short") && r.stderr.contains("at least 128")
            #expect(r.stderr.contains(file) && reason, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/report.md").path))
        }
    }
}
