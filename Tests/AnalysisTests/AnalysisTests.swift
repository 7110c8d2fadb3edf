import Foundation
import Testing
import TestSupport
import LinearAlgebra
import Decomposition
@testable import Analysis

struct SpectrumFixture: Decodable {
    struct Spectrum: Decodable {
        let singular_values: [Double], spectral_entropy: Double, effective_rank: Double, stable_rank: Double, energy: [Double]
    }
    let spectrum: Spectrum
}

func gaussian(_ m: Int, _ n: Int, seed: UInt64) -> Matrix<Double> {
    var g = SeededGenerator(seed: seed)
    return g.gaussianMatrix(rows: m, columns: n)
}

func planted(_ m: Int, _ n: Int, _ s: [Double], seed: UInt64) throws -> Matrix<Float> {
    let u = try QRDecomposition(gaussian(m, s.count, seed: seed)).q, v = try QRDecomposition(gaussian(n, s.count, seed: seed + 1)).q
    return try u.scalingColumns(by: s).multiplied(by: v, transposeOther: true).converted(to: Float.self)
}

func kron(_ a: Matrix<Double>, _ b: Matrix<Double>) throws -> Matrix<Double> {
    var out = Matrix<Double>(zeros: a.rows * b.rows, a.columns * b.columns)
    for i in 0..<a.rows { for j in 0..<a.columns { for k in 0..<b.rows { for l in 0..<b.columns {
        out[i * b.rows + k, j * b.columns + l] = a[i, j] * b[k, l]
    } } } }
    return out
}

@Suite struct SpectralStatisticsTests {
    @Test func closedForms() throws {
        let flat = try SpectralStatistics(singularValues: [Double](repeating: 2.5, count: 8))
        #expect(abs(flat.spectralEntropy - log(8)) < 1e-12)
        #expect(abs(flat.effectiveRank - 8) < 1e-12)
        #expect(abs(flat.stableRank - 8) < 1e-12)
        #expect(abs(flat.normalizedEntropy - 1) < 1e-12)
        let one = try SpectralStatistics(singularValues: [3, 0, 0, 0])
        #expect(one.spectralEntropy == 0 && abs(one.effectiveRank - 1) < 1e-15 && one.stableRank == 1)
        #expect(one.energyCaptured(rank: 1) == 1 && one.rank(capturing: 0.99) == 1)
        #expect(throws: AnalysisError.invalidSpectrum(index: 1)) { try SpectralStatistics(singularValues: [1, -1]) }
        #expect(throws: AnalysisError.invalidSpectrum(index: 0)) { try SpectralStatistics(singularValues: [.nan]) }
    }

    @Test func matchesNumpyFixture() throws {
        let f = try FixtureReader.json(SpectrumFixture.self, TestPaths.fixture("engine/engine_fixtures.json")).spectrum
        let s = try SpectralStatistics(singularValues: f.singular_values.reversed())  // order does not matter
        #expect(abs(s.spectralEntropy - f.spectral_entropy) < 1e-12)
        #expect(abs(s.effectiveRank - f.effective_rank) < 1e-12)
        #expect(abs(s.stableRank - f.stable_rank) < 1e-12)
        for (k, e) in f.energy.enumerated() { #expect(abs(s.energyCaptured(rank: k) - e) < 1e-12) }
        #expect(s.rank(capturing: f.energy[3]) == 3)
    }
}

@Suite struct MatrixAnalysisTests {
    @Test func reportOfPlantedMatrix() throws {
        let s: [Double] = [8, 4, 2, 1]
        let w = try planted(20, 12, s, seed: 3)
        let r = try MatrixAnalysis.analyze(label: "w", layer: 0, kind: "q", weight: w, candidateRanks: [1, 2, 4, 50])
        #expect(Approximate.maxAbsDiff(r.plain.singularValues.prefix(4), s) < 1e-5)
        let total = s.reduce(0) { $0 + $1 * $1 }
        #expect(abs(r.energyAtCandidates[0] - 64 / total) < 1e-6)
        #expect(abs(r.energyAtCandidates[2] - 1) < 1e-6 && abs(r.energyAtCandidates[3] - 1) < 1e-6)
        #expect(r.breakEvenRank == (240 - 1) / 32)
        #expect(r.whitened == nil && r.bondEntropies == nil)
        // With G = c·I the whitened spectrum is √c·σ: same entropies.
        let cal = try CalibrationStatistics(gram: Matrix<Double>.diagonal([Double](repeating: 9, count: 12)))
        let rw = try MatrixAnalysis.analyze(label: "w", weight: w, calibration: cal)
        let wh = try #require(rw.whitened)
        #expect(abs(wh.singularValues[0] - 3 * 8) < 1e-4)
        #expect(abs(wh.spectralEntropy - r.plain.spectralEntropy) < 1e-6)
        // Compressible mass: rank 1 keeps 1 − 21/85 of the energy.
        #expect(r.compressibleMass(tolerance: 0.25) == 240 - 32)
    }

    @Test func bondEntropyOfKroneckerProducts() throws {
        let a = gaussian(2, 2, seed: 5), b = gaussian(3, 4, seed: 6)
        let product = try kron(a, b).converted(to: Float.self)
        let tt = try TensorTrainMatrix.decompose(product, truncation: .relativeAccuracy(0), rowFactors: [2, 3], columnFactors: [2, 4])
        let e0 = try MatrixAnalysis.bondEntropies(tt.train)
        #expect(e0.count == 1 && abs(e0[0]) < 1e-6)     // a product operator is unentangled
        // Two orthogonal, equal-norm Kronecker terms: entropy ln 2.
        var c = Matrix<Double>(zeros: 2, 2); c[0, 0] = 1
        var d = Matrix<Double>(zeros: 2, 2); d[1, 1] = 1
        let q = try QRDecomposition(gaussian(12, 2, seed: 7)).q   // two orthonormal 12-vectors → B, D
        let bb = try Matrix<Double>(rows: 3, columns: 4, values: (0..<12).map { q[$0, 0] })
        let dd = try Matrix<Double>(rows: 3, columns: 4, values: (0..<12).map { q[$0, 1] })
        var sum = try kron(c, bb)
        let second = try kron(d, dd)
        sum = try sum.subtracting(second.scalingRows(by: [Double](repeating: -1, count: 6)))
        let tt2 = try TensorTrainMatrix.decompose(sum.converted(to: Float.self), truncation: .relativeAccuracy(0), rowFactors: [2, 3], columnFactors: [2, 4])
        let e1 = try MatrixAnalysis.bondEntropies(tt2.train)
        #expect(abs(e1[0] - log(2)) < 1e-5)
        let report = try MatrixAnalysis.analyze(label: "k", weight: product, ttOrder: 2)
        #expect(report.bondEntropies?.count == 1)
    }

    @Test func groupSummariesShareMass() throws {
        let w1 = try planted(16, 16, [5, 1e-3], seed: 9)               // very compressible
        let w2 = try planted(16, 16, [Double](repeating: 1, count: 16), seed: 11) // flat: nothing to gain
        let r1 = try MatrixAnalysis.analyze(label: "a", layer: 0, kind: "q", weight: w1)
        let r2 = try MatrixAnalysis.analyze(label: "b", layer: 1, kind: "q", weight: w2)
        let layers = GroupSummary.byLayer([r1, r2], tolerance: 0.01)
        #expect(layers.map(\.key) == ["layer 0", "layer 1"])
        #expect(layers[0].massShare == 1 && layers[1].compressibleMass == 0)
        let kinds = GroupSummary.byKind([r1, r2], tolerance: 0.01)
        #expect(kinds.count == 1 && kinds[0].matrixCount == 2 && kinds[0].parameterCount == 512)
        #expect(abs(layers[1].meanNormalizedEntropy - 1) < 1e-6)
    }
}

@Suite struct HeadSpecializationTests {
    @Test func identicalZeroAndSwappedHeads() throws {
        // Two heads of 3 rows reading orthogonal input subspaces of ℝ⁸.
        let basis = try QRDecomposition(gaussian(8, 6, seed: 13)).q            // 8×6 orthonormal columns
        let coeff = gaussian(3, 3, seed: 14)
        let h0 = try coeff.multiplied(by: basis.columnSlice(0..<3), transposeOther: true)
        let h1 = try coeff.multiplied(by: basis.columnSlice(3..<6), transposeOther: true)
        let w = try Matrix<Double>(rows: 6, columns: 8, values: h0.values + h1.values).converted(to: Float.self)
        let same = try HeadSpecialization.compare(original: w, compressed: w, heads: 2, axis: .rows)
        #expect(abs(same.specializationPreserved - 1) < 1e-5)
        let zero = try HeadSpecialization.compare(original: w, compressed: Matrix<Float>(zeros: 6, 8), heads: 2, axis: .rows)
        #expect(zero.specializationPreserved == 0)
        let swapped = try Matrix<Double>(rows: 6, columns: 8, values: h1.values + h0.values).converted(to: Float.self)
        let sw = try HeadSpecialization.compare(original: w, compressed: swapped, heads: 2, axis: .rows)
        #expect(sw.specializationPreserved < 1e-5)
        // The o_proj layout (heads in columns) of the transpose gives the same figures.
        let wt = try HeadSpecialization.compare(original: w.transposed(), compressed: swapped.transposed(), heads: 2, axis: .columns)
        #expect(abs(wt.specializationPreserved - sw.specializationPreserved) < 1e-6)
        // A truncated SVD of the whole matrix keeps part of each head.
        let t = try TruncatedSVD.factor(w, rank: 3).factors.reconstructed()
        let partial = try HeadSpecialization.compare(original: w, compressed: t, heads: 2, axis: .rows)
        #expect(partial.specializationPreserved > 0.05 && partial.specializationPreserved < 0.95)
        #expect(throws: AnalysisError.self) { try HeadSpecialization.compare(original: w, compressed: w, heads: 4, axis: .rows) }
        #expect(try HeadSpecialization.perHead(w, heads: 2, axis: .rows).count == 2)
    }
}

@Suite struct ReportRoundTripTests {
    @Test func reportEncodesAndFeedsTheAllocator() throws {
        let w = try planted(12, 10, [4, 2, 1, 0.5], seed: 17)
        let r = try MatrixAnalysis.analyze(label: "blk.0.attn_q.weight", layer: 0, kind: "q", weight: w, candidateRanks: [2], ttOrder: 2)
        let data = try JSONEncoder().encode(r)
        let back = try JSONDecoder().decode(LayerReport.self, from: data)
        #expect(back == r)
        let d = try MatrixDescriptor(report: back, floorRank: 2)
        #expect(d.singularValues == r.plain.singularValues && d.floorRank == 2)
        let plan = try RankAllocator.allocate([d], budget: .fractionRemoved(0.5))
        #expect(plan.choices == [.lowRank(2)])   // 120 − 22k ≥ 60 ⇒ k ≤ 2, the floor
        #expect(plan.fractionRemoved >= 0.5)
    }
}
