import Foundation
import Testing
import TestSupport
import LinearAlgebra
@testable import Decomposition

@Suite struct MeasurementAwareSVDTests {
    @Test func svdLLMIdentityOnNumpyFixture() throws {
        let f = try DecompositionFixtures.load().whitened
        let w = try Matrix<Double>(rows: f.m, columns: f.n, values: f.w).converted(to: Float.self)
        let x = try Matrix<Double>(rows: f.samples, columns: f.n, values: f.x)
        let cal = try CalibrationStatistics(inputs: x)
        let r = try MeasurementAwareSVD.factor(w, calibration: cal, rank: f.rank, method: .whitened)
        #expect(r.diagonalShift == 0)
        // W is rounded to Float32, so agreement is to Float32 precision.
        #expect(Approximate.maxAbsDiff(r.whitenedSingularValues, f.whitened_singular_values) < 1e-6 * f.whitened_singular_values[0])
        #expect(abs(r.predictedOutputError - f.discarded_energy) < 1e-6 * f.discarded_energy)
        let ab = try r.factors.reconstructed()
        #expect(Approximate.maxAbsDiff(ab.values, f.reconstruction) < 1e-5)
        // The identity itself: explicit output error over X equals the discarded whitened energy.
        let explicit = try Make.outputError(w, ab, x)
        #expect(abs(explicit - r.predictedOutputError) < 1e-5 * r.predictedOutputError)
        #expect(abs(explicit - f.output_error) < 1e-5 * f.output_error)
    }

    @Test func identityAndOptimalityOnLargerRandomLayer() throws {
        let (m, n, t) = (24, 16, 200)
        let w = Make.gaussian(m, n, seed: 21).converted(to: Float.self)
        // Anisotropic inputs: channel scales spread over three orders of magnitude.
        let scales = (0..<n).map { 0.01 * pow(1.6, Double($0)) }
        let x = try Make.gaussian(t, n, seed: 22).scalingColumns(by: scales)
        let cal = try CalibrationStatistics(inputs: x)
        let prepared = try MeasurementAwareSVD.prepare(w, calibration: cal, method: .whitened)
        let spectrum = try MeasurementAwareSVD.whitenedSpectrum(w, calibration: cal)
        #expect(Approximate.relativeError(spectrum.singularValues, prepared.singularValues) < 1e-12)
        for k in [2, 6, 12] {
            let r = try prepared.factors(rank: k)
            let explicit = try Make.outputError(w, r.factors.reconstructed(), x)
            #expect(abs(explicit - r.predictedOutputError) <= 1e-4 * max(r.predictedOutputError, 1e-12) + 1e-9)
            // Whitening is optimal for output error: plain SVD at the same rank is no better.
            let plain = try TruncatedSVD.factor(w, rank: k)
            #expect(try Make.outputError(w, plain.factors.reconstructed(), x) >= explicit * (1 - 1e-5))
        }
    }

    @Test func refitEqualsWhitenedForDefiniteGramAndHelpsWhenShifted() throws {
        let (m, n) = (10, 12)
        let w = Make.gaussian(m, n, seed: 31).converted(to: Float.self)
        let xFull = Make.gaussian(80, n, seed: 32)
        let cal = try CalibrationStatistics(inputs: xFull)
        let a = try MeasurementAwareSVD.factor(w, calibration: cal, rank: 4, method: .whitened)
        let b = try MeasurementAwareSVD.factor(w, calibration: cal, rank: 4, method: .whitenedRefit)
        #expect(b.refitted)
        #expect(Approximate.relativeError(try b.factors.reconstructed().values, try a.factors.reconstructed().values) < 1e-4)
        // Fewer samples than inputs: G is singular, a shift is needed and reported.
        let xFew = Make.gaussian(7, n, seed: 33)
        let calFew = try CalibrationStatistics(inputs: xFew)
        let s = try MeasurementAwareSVD.factor(w, calibration: calFew, rank: 3, method: .whitened)
        #expect(s.diagonalShift > 0)
        let sr = try MeasurementAwareSVD.factor(w, calibration: calFew, rank: 3, method: .whitenedRefit)
        // The refit is the least-squares optimum for that B on the true statistics.
        let errShift = try Make.outputError(w, s.factors.reconstructed(), xFew)
        let errRefit = try Make.outputError(w, sr.factors.reconstructed(), xFew)
        #expect(errRefit <= errShift * (1 + 1e-4))
        // The unshifted G indeed fails; dampening adds its share to the reported shift.
        let gram = try #require(calFew.gram)
        #expect(throws: LinearAlgebraError.self) { try CholeskyFactorization(gram) }
        let damped = try InputWhitening.cholesky(gram: gram, dampening: 0.01)
        let meanDiag = (0..<n).reduce(0.0) { $0 + gram[$1, $1] } / Double(n)
        #expect(damped.shift >= 0.01 * meanDiag && damped.shift < 0.0101 * meanDiag)
        #expect(throws: DecompositionError.self) { try InputWhitening.cholesky(gram: gram, dampening: -1) }
    }

    @Test func diagonalASVDMatchesNumpy() throws {
        let f = try DecompositionFixtures.load()
        let w = try Matrix<Double>(rows: f.whitened.m, columns: f.whitened.n, values: f.whitened.w).converted(to: Float.self)
        let cal = try CalibrationStatistics(meanAbsolute: f.asvd.mean_abs)
        let r = try MeasurementAwareSVD.factor(w, calibration: cal, rank: f.whitened.rank, method: .diagonal(alpha: f.asvd.alpha))
        #expect(Approximate.maxAbsDiff(r.whitenedSingularValues, f.asvd.scaled_singular_values) < 1e-6 * f.asvd.scaled_singular_values[0])
        #expect(Approximate.maxAbsDiff(try r.factors.reconstructed().values, f.asvd.reconstruction) < 1e-5)
    }

    @Test func missingStatisticsAndShapeErrorsAreTyped() throws {
        let w = Matrix<Float>(zeros: 3, 4)
        let onlyMean = try CalibrationStatistics(meanAbsolute: [1, 1, 1, 1])
        #expect(throws: DecompositionError.missingCalibration("method whitened needs the Gram matrix")) {
            try MeasurementAwareSVD.factor(w, calibration: onlyMean, rank: 1)
        }
        let wrong = try CalibrationStatistics(meanAbsolute: [1, 1])
        #expect(throws: DecompositionError.self) { try MeasurementAwareSVD.factor(w, calibration: wrong, rank: 1, method: .diagonal(alpha: 0.5)) }
        #expect(throws: DecompositionError.self) { try CalibrationStatistics(gram: Matrix<Double>(zeros: 2, 3)) }
        #expect(throws: DecompositionError.self) { try CalibrationStatistics() }
        #expect(throws: DecompositionError.self) {
            try MeasurementAwareSVD.factor(w, calibration: onlyMean, rank: 1, method: .diagonal(alpha: -1))
        }
    }
}

@Suite struct LeastSquaresRefitTests {
    /// The cross-Gram refit satisfies the normal equations of min_A ‖X Wᵀ − Y Bᵀ Aᵀ‖_F², checked on explicit X, Y.
    @Test func crossGramRefitSolvesNormalEquations() throws {
        let (m, n, k, t) = (7, 9, 3, 40)
        let w = Make.gaussian(m, n, seed: 61), b = Make.gaussian(k, n, seed: 62)
        let x = Make.gaussian(t, n, seed: 63)
        let y = try x.subtracting(Make.gaussian(t, n, seed: 64).scalingColumns(by: [Double](repeating: 0.1, count: n)))  // perturbed inputs
        let a = try LeastSquaresRefit.refitLeft(weight: w, right: b, crossGram: x.multiplied(by: y, transposeSelf: true),
                                                inputGram: y.gram())
        let yb = try y.multiplied(by: b, transposeOther: true)                       // t×k
        let residual = try x.multiplied(by: w, transposeOther: true).subtracting(yb.multiplied(by: a, transposeOther: true))  // t×m
        let gradient = try yb.multiplied(by: residual, transposeSelf: true)          // k×m, zero at the optimum
        let scale = try yb.frobeniusNorm * x.multiplied(by: w, transposeOther: true).frobeniusNorm
        #expect(gradient.frobeniusNorm < 1e-10 * scale)
        // Any perturbation of A increases the residual.
        var a2 = a
        a2[0, 0] += 1e-3
        let r2 = try x.multiplied(by: w, transposeOther: true).subtracting(yb.multiplied(by: a2, transposeOther: true))
        #expect(r2.frobeniusNorm > residual.frobeniusNorm)
        #expect(throws: DecompositionError.self) { try LeastSquaresRefit.refitLeft(weight: w, right: b, gram: Matrix<Double>(zeros: 3, 3)) }
    }
}

@Suite struct SequentialCalibrationTests {
    /// ‖X Wᵀ − Y Bᵀ Aᵀ‖² = Σ_{i>k} σᵢ(T)² + (‖X Wᵀ‖² − ‖T‖²), checked with explicit X, Y; and it beats
    /// factors that ignore the input shift.
    @Test func sequentialIdentityAndAdvantage() throws {
        let (m, n, t) = (10, 8, 120)
        let w = Make.gaussian(m, n, seed: 71).converted(to: Float.self)
        let x = try Make.gaussian(t, n, seed: 72).scalingColumns(by: (0..<n).map { 0.5 + Double($0) })
        let y = try x.subtracting(Make.gaussian(t, n, seed: 73).scalingColumns(by: [Double](repeating: 0.3, count: n)))
        let seq = try MeasurementAwareSVD.prepareSequential(w, crossGram: x.multiplied(by: y, transposeSelf: true), compressedGram: y.gram())
        let xw = try x.multiplied(by: w.converted(to: Double.self), transposeOther: true)
        let tNorm2 = seq.singularValues.reduce(0) { $0 + $1 * $1 }
        let irreducible = xw.values.reduce(0) { $0 + $1 * $1 } - tNorm2
        let calX = try CalibrationStatistics(inputs: x)
        for k in [2, 5] {
            let r = try seq.factors(rank: k)
            let yab = try y.multiplied(by: r.factors.reconstructed().converted(to: Double.self), transposeOther: true)
            let err = try xw.subtracting(yab).values.reduce(0) { $0 + $1 * $1 }
            #expect(abs(err - (r.predictedOutputError + irreducible)) < 1e-4 * err)
            // Factors fitted on X alone, then fed Y, do worse.
            let plain = try MeasurementAwareSVD.factor(w, calibration: calX, rank: k)
            let yab2 = try y.multiplied(by: plain.factors.reconstructed().converted(to: Double.self), transposeOther: true)
            #expect(try xw.subtracting(yab2).values.reduce(0) { $0 + $1 * $1 } >= err)
        }
        // X = Y reduces to the whitened method.
        let same = try MeasurementAwareSVD.prepareSequential(w, crossGram: x.gram(), compressedGram: x.gram())
        let whitened = try MeasurementAwareSVD.prepare(w, calibration: calX, method: .whitened)
        #expect(Approximate.relativeError(same.singularValues, whitened.singularValues) < 1e-10)
    }
}
