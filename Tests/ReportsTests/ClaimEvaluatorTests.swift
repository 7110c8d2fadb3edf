import Foundation
import Testing
@testable import Reports

@Suite struct ClaimEvaluatorTests {
    func run(_ m: String, _ r: Double, _ ppl: Double, hs: Double? = nil) -> ComparisonReport.Run {
        .init(method: m, targetRatio: r, fractionRemoved: r, parameters: 100, bytes: 400, perplexity: ppl, meanNLL: log(ppl),
              compressSeconds: 1, denseMatrices: 0, headSpecialization: hs)
    }

    @Test func claimAComputesReductionOfTheIncrease() {
        // dense 10; svd 110 (+100); masvd 13 (+3) → 97% lower: supported at that budget only.
        let runs = [run("svd", 0.1, 110), run("masvd", 0.1, 13), run("svd", 0.2, 210), run("masvd", 0.2, 30)]
        let c = ClaimEvaluator.evaluate(runs: runs, densePerplexity: 10, layerZeroShare: 0.2)
        let a = c.first { $0.id == "a" }!
        #expect(a.measured == "97.0%, 90.0%")
        #expect(a.verdict == .inconclusive)  // met at one budget, missed at the other
        let all = ClaimEvaluator.evaluate(runs: [run("svd", 0.1, 110), run("masvd", 0.1, 12)], densePerplexity: 10, layerZeroShare: 0.5)
        #expect(all.first { $0.id == "a" }!.verdict == .supported)
        #expect(all.first { $0.id == "c" }!.verdict == .supported)
        let none = ClaimEvaluator.evaluate(runs: [run("svd", 0.1, 110), run("masvd", 0.1, 60)], densePerplexity: 10, layerZeroShare: 0.98)
        #expect(none.first { $0.id == "a" }!.verdict == .refuted)
        #expect(none.first { $0.id == "c" }!.verdict == .refuted)  // above the claimed range is not "supported"
    }

    @Test func claimBInterpolatesLogPerplexity() {
        // Tolerance 10% of dense 10 → limit 11. svd: 0.1 → 12.1 (log-interp: reach 0.05). ours: 0.1 → 10.5, 0.2 → 12.1.
        let runs = [run("svd", 0.1, 12.1), run("masvd", 0.1, 10.5), run("masvd", 0.2, 12.1)]
        let rs = ClaimEvaluator.reach(runs, methods: ["svd"], dense: 10, tolerance: 0.1)
        let expectedS = 0.1 * (log(11.0) - log(10.0)) / (log(12.1) - log(10.0))
        #expect(abs(rs - expectedS) < 1e-12)
        let rb = ClaimEvaluator.reach(runs, methods: ["masvd"], dense: 10, tolerance: 0.1)
        let expectedB = 0.1 + 0.1 * (log(11.0) - log(10.5)) / (log(12.1) - log(10.5))
        #expect(abs(rb - expectedB) < 1e-12)
        let b = ClaimEvaluator.evaluate(runs: runs, densePerplexity: 10, layerZeroShare: 0).first { $0.id == "b" }!
        #expect(b.verdict == ((expectedB / expectedS - 1) >= 0.323 ? .supported : .refuted))
        // Neither method holds quality at a measured budget: inconclusive, whatever the interpolation says.
        let worse = [run("svd", 0.1, 1000), run("masvd", 0.1, 20)]
        #expect(ClaimEvaluator.evaluate(runs: worse, densePerplexity: 10, layerZeroShare: 0).first { $0.id == "b" }!.verdict == .inconclusive)
    }

    @Test func claimDUsesLossRatio() {
        let runs = [run("svd", 0.1, 20, hs: 0.6), run("masvd", 0.1, 12, hs: 0.9), run("svd", 0.2, 30, hs: 0.5)]
        let d = ClaimEvaluator.evaluate(runs: runs, densePerplexity: 10, layerZeroShare: 0).first { $0.id == "d" }!
        #expect(d.measured == "4.00×")  // (1-0.6)/(1-0.9)
        #expect(d.verdict == .supported)
        let missing = ClaimEvaluator.evaluate(runs: [run("svd", 0.1, 20)], densePerplexity: 10, layerZeroShare: 0).first { $0.id == "d" }!
        #expect(missing.verdict == .inconclusive)
    }

    @Test func rendersAllThreeFormats() throws {
        let runs = [run("svd", 0.1, 110), run("masvd", 0.1, 13)]
        let report = ComparisonReport(toolVersion: "t", model: "m.gguf", modelSHA256: "x", calibrationText: "a.txt", calibrationTokens: 10,
                                      evaluationText: "b.txt", evaluationTokens: 20, context: 256, threads: "1", denseParameters: 1000,
                                      denseLinearParameters: 800, denseBytes: 4000, densePerplexity: 10, ratios: [0.1], runs: runs,
                                      matrixLabels: ["blk.0.attn_q.weight"], layerEntropy: [0.9], layerEffectiveRank: [0.8],
                                      layerZeroShare: 0.3, spectra: ["blk.0.attn_q.weight": [3, 2, 1]],
                                      claims: ClaimEvaluator.evaluate(runs: runs, densePerplexity: 10, layerZeroShare: 0.3), seconds: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rep-\(UUID().uuidString)").path
        try report.write(to: dir)
        let md = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(md.contains("| masvd | 10.0% |"))
        #expect(md.contains("**refuted**"))  // claim (c): 30% is outside 49–97%
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("<script"))
        let back = try JSONDecoder().decode(ComparisonReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/report.json")))
        #expect(back.runs == runs)
    }
}
