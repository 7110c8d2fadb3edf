import Foundation
import Testing
import TestSupport

@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct AnalyzeCLITests {
    static let stories = TestPaths.sharedModel("stories260K/stories260K.bin")

    /// Every matrix's entropy, effective rank and stable rank agree with numpy's float64 SVD
    /// (Fixtures/analysis/make_fixture.py) to 1e-4 relative; shares of the compressible mass sum to 1.
    @Test(.enabled(if: stories != nil, "needs ../shared/models/stories260K"))
    func stories260KSpectraMatchNumpy() throws {
        let r = try CLIRunner.run(["analyze", Self.stories!, "--json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let matrices = try #require(obj["matrices"] as? [[String: Any]])
        #expect(matrices.count == 35)
        let ref = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("analysis/stories260K_spectra.json")))) as? [String: [String: Double]])
        #expect(ref.count == 35)
        for m in matrices {
            let label = try #require(m["label"] as? String)
            let plain = try #require(m["plain"] as? [String: Any])
            let want = try #require(ref[label], "\(label) missing in the numpy fixture")
            for (ours, theirs) in [("spectralEntropy", "entropy"), ("effectiveRank", "effective_rank"), ("stableRank", "stable_rank")] {
                let a = try #require(plain[ours] as? Double), b = try #require(want[theirs])
                #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(label) \(ours): \(a) vs numpy \(b)")
            }
        }
        let layers = try #require(obj["byLayer"] as? [[String: Any]])
        #expect(layers.map { $0["key"] as? String } == (0..<5).map { "layer \($0)" })
        let shares = layers.compactMap { $0["massShare"] as? Double }
        #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
        #expect(obj["layerZeroShare"] as? Double == shares[0])
    }

    @Test(.enabled(if: stories != nil, "needs ../shared/models/stories260K"))
    func htmlReportIsSelfContained() throws {
        let dir = TestPaths.temporaryDirectory("analyze")
        let html = dir.appendingPathComponent("a.html").path
        let r = try CLIRunner.run(["analyze", Self.stories!, "--html", html, "--markdown", dir.appendingPathComponent("a.md").path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg"))
        #expect(!page.contains("<script"))
        #expect(!page.contains("http://") || page.components(separatedBy: "http://").count - 1 == page.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        #expect(r.stdout.contains("Layer 0 holds"))
    }

    @Test func badFlagsAndFilesAreRefused() throws {
        let r = try CLIRunner.run(["analyze", "/nonexistent.gguf"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("/nonexistent.gguf"))
        let t = try CLIRunner.run(["analyze", "/nonexistent.gguf", "--tolerance", "1.5"])
        #expect(t.status != 0)
        #expect(t.stderr.contains("tolerance"))
    }
}

/// With calibration statistics the study uses the whitened spectra σ(W·S) (Cholesky of the input Gram),
/// which are far more concentrated than the weight spectra: the normalised entropy must drop.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct AnalyzeCalibratedCLITests {
    @Test(.enabled(if: AnalyzeCLITests.stories != nil && TestPaths.sharedCorpus("tinyshakespeare.txt") != nil, "needs ../shared"))
    func whitenedSpectraAreUsedWithCalibration() throws {
        let dir = TestPaths.temporaryDirectory("analyze-cal")
        let stats = dir.appendingPathComponent("s.safetensors").path
        let c = try CLIRunner.run(["calibrate", AnalyzeCLITests.stories!, "--text", TestPaths.sharedCorpus("tinyshakespeare.txt")!,
                                   "--tokens", "1024", "--out", stats])
        #expect(c.status == 0, "\(c.stderr)")
        func entropy(_ args: [String]) throws -> [Double] {
            let r = try CLIRunner.run(["analyze", AnalyzeCLITests.stories!, "--json", "--quiet"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let layers = try #require(obj["byLayer"] as? [[String: Any]])
            return layers.compactMap { $0["meanNormalizedEntropy"] as? Double }
        }
        let plain = try entropy([]), whitened = try entropy(["--calibration", stats])
        #expect(plain.count == 5 && whitened.count == 5)
        for (p, w) in zip(plain, whitened) { #expect(w < p) }
        let bad = try CLIRunner.run(["analyze", AnalyzeCLITests.stories!, "--calibration", "/nonexistent.safetensors"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("/nonexistent.safetensors"))
    }
}
