import Testing
import TestSupport
import LinearAlgebra
@testable import Decomposition

@Suite struct LowRankAndSVDTests {
    @Test func factorsValidateCountAndApply() throws {
        let a = Make.gaussian(6, 2, seed: 1).converted(to: Float.self), b = Make.gaussian(2, 5, seed: 2).converted(to: Float.self)
        let f = try LowRankFactors(a: a, b: b)
        #expect(f.parameterCount == 2 * (6 + 5) && f.denseParameterCount == 30)
        let x = Make.gaussian(4, 5, seed: 3).converted(to: Float.self)
        let dense = try f.reconstructed()
        let expected = try x.multiplied(by: dense, transposeOther: true)
        #expect(Approximate.maxAbsDiff(try f.apply(x).values, expected.values) < 1e-5)
        #expect(throws: DecompositionError.self) { try LowRankFactors(a: a, b: a) }
        #expect(throws: DecompositionError.self) { try f.apply(a) }
        // Break-even: k(m+n) < mn.
        for (m, n) in [(576, 576), (192, 576), (1536, 576), (7, 3), (1, 1)] {
            let k = LowRankFactors.breakEvenRank(rows: m, columns: n)
            #expect(k * (m + n) < m * n || k == 0)
            #expect((k + 1) * (m + n) >= m * n)
        }
        #expect(LowRankFactors.breakEvenRank(rows: 576, columns: 576) == 287)
    }

    @Test func truncationIsEckartYoungOptimal() throws {
        let s: [Double] = [9, 6, 4, 2.5, 1, 0.5, 0.2]
        let w = try Make.planted(30, 20, s, seed: 4)
        for k in [1, 3, 5] {
            let t = try TruncatedSVD.factor(w, rank: k)
            let tail = s.dropFirst(k).reduce(0) { $0 + $1 * $1 }
            let err = try w.subtracting(t.factors.reconstructed()).frobeniusNorm
            #expect(abs(err * err - tail) < 1e-4 * s[0] * s[0])
            #expect(abs(t.discardedEnergy - tail) < 1e-4)
            // Any other rank-k approximation does worse: here, W projected on random k-dim subspaces.
            for seed in 10..<13 as Range<UInt64> {
                let q = try Make.orthonormal(30, k, seed: seed).converted(to: Float.self)
                let proj = try q.multiplied(by: q.multiplied(by: w, transposeSelf: true))
                #expect(try w.subtracting(proj).frobeniusNorm >= err)
            }
        }
        // Deterministic signs: the largest-magnitude entry of each column of A is positive.
        let t = try TruncatedSVD.factor(w, rank: 3)
        for c in 0..<3 {
            let col = (0..<30).map { t.factors.a[$0, c] }
            #expect(col.max(by: { abs($0) < abs($1) })! > 0)
        }
        #expect(throws: DecompositionError.invalidRank(rank: 21, limit: 20)) { try TruncatedSVD.factor(w, rank: 21) }
    }
}
