import Foundation
import Testing
import TestSupport
import LinearAlgebra
@testable import Decomposition

@Suite struct TensorTrainTests {
    func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
    func diffNorm(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + pow(Double($1.0) - Double($1.1), 2) }.squareRoot() }

    @Test func ttSVDMatchesNumpyAndBound() throws {
        let f = try DecompositionFixtures.load().tt
        let values = f.values.map(Float.init)
        for eps in [0.3, 0.1] {
            let tt = try TensorTrain.decompose(values, shape: f.shape, truncation: .relativeAccuracy(eps))
            let ref = try #require(f.numpy[String(eps)])
            #expect(tt.ranks == ref.ranks)
            let rel = diffNorm(try tt.contracted(), values) / norm(values)
            #expect(rel <= eps + 1e-6)                               // Oseledets' guarantee
            #expect(abs(rel - ref.relative_error) < 1e-5)
            #expect(abs(tt.discardedEnergy.squareRoot() / norm(values) - rel) < 1e-5)
        }
        let capped = try TensorTrain.decompose(values, shape: f.shape, truncation: .maxRanks([2, 2, 2]))
        let ref = try #require(f.numpy["max_rank_2"])
        #expect(capped.ranks == ref.ranks)
        let rel = diffNorm(try capped.contracted(), values) / norm(values)
        #expect(abs(rel - ref.relative_error) < 1e-5)
        if let tl = f.tensorly_max_rank_2 {   // TensorLy's tensor_train at the same ranks
            #expect(capped.ranks == tl.ranks)
            #expect(abs(rel - tl.relative_error) < 1e-5)
        }
    }

    @Test func exactRecoveryOfKnownTTRanks() throws {
        let shape = [3, 4, 5, 3], ranks = [1, 2, 3, 2, 1]
        var g = SeededGenerator(seed: 41)
        var cores: [[Float]] = []
        for k in 0..<4 { cores.append((0..<(ranks[k] * shape[k] * ranks[k + 1])).map { _ in Float(g.nextGaussian()) }) }
        let truth = try TensorTrain(shape: shape, ranks: ranks, cores: cores)
        let dense = try truth.contracted()
        #expect(dense.count == 180)
        let tt = try TensorTrain.decompose(dense, shape: shape, truncation: .relativeAccuracy(1e-5))
        #expect(tt.ranks == ranks)
        #expect(diffNorm(try tt.contracted(), dense) / norm(dense) < 1e-5)
        #expect(tt.parameterCount == 3 * 2 + 2 * 4 * 3 + 3 * 5 * 2 + 2 * 3)
        #expect(throws: DecompositionError.self) { try TensorTrain.decompose(dense, shape: [3, 4, 5], truncation: .relativeAccuracy(0.1)) }
        #expect(throws: DecompositionError.self) { try TensorTrain.decompose(dense, shape: shape, truncation: .maxRanks([2])) }
        #expect(throws: DecompositionError.self) { try TensorTrain(shape: shape, ranks: [1, 2, 2, 2, 1], cores: cores) }
    }

    @Test func ttMatrixContractsAndAppliesWithoutDensifying() throws {
        for (m, n) in [(24, 30), (23, 29)] {   // the second pads (primes)
            let w = Make.gaussian(m, n, seed: UInt64(m * n)).converted(to: Float.self)
            let exact = try TensorTrainMatrix.decompose(w, truncation: .relativeAccuracy(0), order: 3)
            #expect(exact.paddedRows >= m && exact.paddedColumns >= n)
            #expect(Approximate.relativeError(try exact.contracted().values, w.values) < 1e-5)
            let x = Make.gaussian(5, n, seed: 3).converted(to: Float.self)
            let y = try x.multiplied(by: w, transposeOther: true)
            #expect(Approximate.relativeError(try exact.apply(x).values, y.values) < 1e-5)
            let eps = 0.4
            let cut = try TensorTrainMatrix.decompose(w, truncation: .relativeAccuracy(eps), order: 3)
            let approx = try cut.contracted()
            #expect(try w.subtracting(approx).frobeniusNorm <= eps * w.frobeniusNorm * (1 + 1e-5))
            let ya = try x.multiplied(by: approx, transposeOther: true)
            // Reassembled from its stored parts it is the same operator; inconsistent parts are refused.
            let again = try TensorTrainMatrix(rows: m, columns: n, rowFactors: cut.rowFactors, columnFactors: cut.columnFactors, train: cut.train)
            #expect(again == cut)
            #expect(throws: DecompositionError.self) {
                try TensorTrainMatrix(rows: m, columns: n, rowFactors: cut.columnFactors, columnFactors: cut.rowFactors.reversed(), train: cut.train)
            }
            #expect(Approximate.relativeError(try cut.apply(x).values, ya.values) < 1e-5)
        }
    }

    @Test func whitenedTTMatrixIsConsistent() throws {
        let (m, n) = (12, 16)
        let w = Make.gaussian(m, n, seed: 51).converted(to: Float.self)
        let x = try Make.gaussian(60, n, seed: 52).scalingColumns(by: (0..<n).map { 0.1 + Double($0) })
        let cal = try CalibrationStatistics(inputs: x)
        let tt = try TensorTrainMatrix.decompose(w, truncation: .maxRanks([3, 3]), order: 3, calibration: cal)
        #expect(tt.inputWhitening != nil && tt.parameterCount == tt.train.parameterCount + n * (n + 1) / 2)
        let dense = try tt.contracted()
        let xf = x.converted(to: Float.self)
        #expect(Approximate.relativeError(try tt.apply(xf).values, try xf.multiplied(by: dense, transposeOther: true).values) < 1e-4)
        // Untruncated, the whitened train reproduces W.
        let exact = try TensorTrainMatrix.decompose(w, truncation: .relativeAccuracy(0), order: 2, calibration: cal)
        #expect(Approximate.relativeError(try exact.contracted().values, w.values) < 1e-4)
    }

    @Test func shapeFactorizationPadsBadDimensions() {
        #expect(TensorTrainMatrix.factorShape(576, order: 3) == [9, 8, 8])
        #expect(TensorTrainMatrix.factorShape(1536, order: 3).reduce(1, *) == 1536)
        #expect(TensorTrainMatrix.factorShape(577, order: 3).reduce(1, *) == 578)
        #expect(TensorTrainMatrix.factorShape(192, order: 2).reduce(1, *) == 192)
        #expect(TensorTrainMatrix.factorShape(1, order: 3) == [1, 1, 1])
    }
}

@Suite struct TTStepTests {
    /// The Gram-based wide and tall steps agree with LAPACK's SVD (σ, and the product core·carry).
    @Test func gramStepsMatchSVD() throws {
        let cases: [(Int, Int, [Double])] = [(6, 40, [5, 3, 2, 1, 0.5, 0.1]), (40, 6, [5, 3, 2, 1, 0.5, 0.1]),
                                             (40, 6, [5, 3, 2, 1, 1e-5, 1e-6]), (10, 12, [4, 3, 2, 1])]
        for (p, q, s) in cases {
            let c = try Make.planted(p, q, s, seed: UInt64(p * 100 + q))
            let ref = try SingularValueDecomposition(c)
            for r in [2, s.count] {
                let step = try _ttStep(c) { _ in r }
                #expect(step.core.columns == r && step.carry.rows == r && step.carry.columns == q)
                #expect(Approximate.maxAbsDiff(step.singularValues.prefix(s.count), ref.singularValues.prefix(s.count).map(Double.init)) < 1e-5)
                // core·carry is the best rank-r approximation: equal to the truncated SVD's.
                let approx = try step.core.multiplied(by: step.carry)
                let best = try ref.truncated(to: r).reconstructed()
                #expect(Approximate.maxAbsDiff(approx.values, best.values) < 1e-5)
                // Left-orthonormal core.
                let g = try step.core.multiplied(by: step.core, transposeSelf: true)
                for i in 0..<r { for j in 0..<r { #expect(abs(Double(g[i, j]) - (i == j ? 1 : 0)) < 1e-4) } }
            }
        }
    }
}

@Suite struct TTMatrixInputTests {
    @Test func badFactorsAreRefusedNotAllocated() throws {
        let w = Matrix<Float>(zeros: 6, 6)
        #expect(throws: DecompositionError.self) {
            try TensorTrainMatrix.decompose(w, truncation: .relativeAccuracy(0.1), rowFactors: [1 << 40, 1 << 40], columnFactors: [2, 3])
        }
        #expect(throws: DecompositionError.self) {
            try TensorTrainMatrix.decompose(w, truncation: .relativeAccuracy(0.1), rowFactors: [2, 2], columnFactors: [2, 3])
        }
        #expect(throws: DecompositionError.self) { try TensorTrainMatrix.decompose(w, truncation: .relativeAccuracy(0.1), order: 0) }
        #expect(throws: DecompositionError.self) { try TensorTrainMatrix.decompose(Matrix<Float>(zeros: 0, 6), truncation: .relativeAccuracy(0.1)) }
    }
}
