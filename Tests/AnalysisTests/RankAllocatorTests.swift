import Foundation
import Testing
import TestSupport
import LinearAlgebra
@testable import Analysis

func randomSpectrum(_ n: Int, decay: Double, seed: UInt64) -> [Double] {
    var g = SeededGenerator(seed: seed)
    return (0..<n).map { pow(decay, Double($0)) * (1 + 0.1 * g.nextUniform()) }
}

@Suite struct RankAllocatorTests {
    /// Greedy points are optimal for their removed amount: brute force over all choices confirms it.
    @Test func greedyMatchesBruteForce() throws {
        let shapes = [(10, 8), (12, 6), (9, 9), (16, 4)]
        for trial in 0..<6 {
            let ms = try shapes.enumerated().map { i, s in
                try MatrixDescriptor(label: "m\(i)", rows: s.0, columns: s.1,
                                     singularValues: randomSpectrum(min(s.0, s.1), decay: [0.3, 0.6, 0.9, 0.97][(i + trial) % 4], seed: UInt64(trial * 10 + i)),
                                     importance: [1, 2, 0.5, 1][(i + trial) % 4])
            }
            let total = ms.reduce(0) { $0 + $1.denseParameters }
            for (f, norm) in [(0.1, LossNormalization.relativeEnergy), (0.25, .relativeEnergy), (0.4, .relativeEnergy), (0.25, .absoluteEnergy)] {
                let plan = try RankAllocator.allocate(ms, budget: .fractionRemoved(f), strategy: .greedy, normalization: norm)
                let removed = total - plan.parametersAfter
                #expect(removed >= Int((f * Double(total)).rounded(.up)))
                // Brute force: every combination of dense / ranks floor...break-even.
                let options = ms.map { d in [MatrixChoice.dense] + (1...d.breakEvenRank).map { MatrixChoice.lowRank($0) } }
                var best = Double.infinity
                func loss(_ d: MatrixDescriptor, _ c: MatrixChoice) -> Double {
                    guard case let .lowRank(k) = c else { return 0 }
                    let e = norm == .relativeEnergy ? d.singularValues.reduce(0) { $0 + $1 * $1 } : 1
                    return d.importance * d.singularValues.dropFirst(k).reduce(0) { $0 + $1 * $1 } / e
                }
                func search(_ i: Int, _ saved: Int, _ l: Double) {
                    if i == ms.count { if saved >= removed { best = min(best, l) }; return }
                    for c in options[i] {
                        search(i + 1, saved + ms[i].denseParameters - c.parameters(rows: ms[i].rows, columns: ms[i].columns), l + loss(ms[i], c))
                    }
                }
                search(0, 0, 0)
                #expect(plan.totalPredictedLoss <= best + 1e-12, "trial \(trial) f \(f): greedy \(plan.totalPredictedLoss) vs optimum \(best)")
            }
        }
    }

    @Test func keepsFlatMatricesDenseAndBeatsUniform() throws {
        let flat = try MatrixDescriptor(label: "flat", rows: 64, columns: 64, singularValues: [Double](repeating: 1, count: 64))
        let steep = try MatrixDescriptor(label: "steep", rows: 64, columns: 64, singularValues: randomSpectrum(64, decay: 0.8, seed: 1))
        let greedy = try RankAllocator.allocate([flat, steep], budget: .fractionRemoved(0.3))
        #expect(greedy.choices[0] == .dense)
        guard case .lowRank = greedy.choices[1] else { Issue.record("steep matrix not factored"); return }
        let uniform = try RankAllocator.allocate([flat, steep], budget: .fractionRemoved(0.3), strategy: .uniform)
        #expect(uniform.fractionRemoved >= 0.3 - 1e-9)
        #expect(greedy.totalPredictedLoss < uniform.totalPredictedLoss)
        #expect(uniform.choices == [.lowRank(22), .lowRank(22)])   // ⌊0.7·4096/128⌋
    }

    @Test func budgetsFloorsAndErrors() throws {
        let ms = try (0..<210).map { i in
            let (m, n) = [(576, 576), (192, 576), (192, 576), (576, 576), (1536, 576), (1536, 576), (576, 1536)][i % 7]
            return try MatrixDescriptor(label: "l\(i / 7).\(i % 7)", rows: m, columns: n,
                                        singularValues: randomSpectrum(min(m, n), decay: 0.99 - 0.0005 * Double(i % 30), seed: UInt64(i)),
                                        floorRank: 8)
        }
        let total = ms.reduce(0) { $0 + $1.denseParameters }
        let plan = try RankAllocator.allocate(ms, budget: .bytes(total * 2 * 8 / 10, bytesPerParameter: 2), rankMultiple: 8)
        #expect(plan.parametersAfter * 2 <= total * 2 * 8 / 10)
        for c in plan.choices { if case let .lowRank(k) = c { #expect(k >= 8 && k % 8 == 0) } }
        #expect(plan.choices.count == 210 && plan.labels.first == "l0.0")
        // A byte budget the dense matrices already fit (or nothing to remove): every matrix stays
        // dense under both strategies, no lossy factorization at the break-even rank.
        for strategy in [AllocationStrategy.uniform, .greedy] {
            for budget in [AllocationBudget.bytes(total * 4 + 1, bytesPerParameter: 4), .fractionRemoved(0)] {
                let all = try RankAllocator.allocate(ms, budget: budget, strategy: strategy)
                #expect(all.choices.allSatisfy { $0 == .dense } && all.parametersAfter == total, "\(strategy) \(budget)")
            }
        }
        let forced = try MatrixDescriptor(label: "x", rows: 32, columns: 32, singularValues: [Double](repeating: 1, count: 32), allowDense: false)
        let p = try RankAllocator.allocate([forced], budget: .fractionRemoved(0))
        #expect(p.choices == [.lowRank(15)])
        #expect(try RankAllocator.allocate([forced], budget: .fractionRemoved(0), strategy: .uniform).choices == [.lowRank(16)])
        #expect(throws: AnalysisError.self) { try RankAllocator.allocate([forced], budget: .fractionRemoved(0.99)) }
        #expect(throws: AnalysisError.self) { try RankAllocator.allocate([forced], budget: .fractionRemoved(1.5)) }
        #expect(throws: AnalysisError.self) { try MatrixDescriptor(label: "bad", rows: 4, columns: 4, singularValues: [1], floorRank: 5) }
        #expect(throws: AnalysisError.self) { try MatrixDescriptor(label: "bad", rows: 2, columns: 2, singularValues: [1, 1, 1]) }
    }
}
