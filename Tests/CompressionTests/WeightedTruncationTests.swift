import Decomposition
import Foundation
import LinearAlgebra
import Testing
import TensorCore
@testable import Compression

/// masvd's fast path (`GramTruncation.weightedSpectrum` / `weightedFactors`: the eigendecomposition
/// of W G Wᵀ or (WL)ᵀ(WL), no SVD) against an independent SVD of W·L (LAPACK gesdd): the same
/// singular values, the Eckart–Young / SVD-LLM error identity ‖(W − AB)L‖²_F = Σ_{i>k} σᵢ²(WL),
/// the same rank-k product, for wide, square and tall W.
@Suite struct WeightedTruncationTests {
    /// W (m×n, entries with a decaying column scale so the spectrum has a tail) and a correlated,
    /// positive definite G = XᵀX (T = 3n samples), seeded.
    static func problem(m: Int, n: Int, seed: UInt64) throws -> (w: Matrix<Float>, g: Matrix<Double>, l: Matrix<Double>) {
        var rng = SplitMix64(seed: seed)
        func gauss() -> Double {
            let u = max(rng.nextUnit(), 1e-300), v = rng.nextUnit()
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let w = try Matrix<Float>(rows: m, columns: n, values: (0..<(m * n)).map { i in Float(gauss() / (1 + Double(i % n) / 8)) })
        let t = 3 * n
        let mix = try Matrix<Double>(rows: n, columns: n, values: (0..<(n * n)).map { i in (i / n == i % n ? 1 : 0) + 0.3 * gauss() / Double(n).squareRoot() })
        let z = try Matrix<Double>(rows: t, columns: n, values: (0..<(t * n)).map { _ in gauss() })
        let x = try z.multiplied(by: mix)
        let g = try x.multiplied(by: x, transposeSelf: true)
        guard case let .cholesky(l, shift) = try InputWhitening.cholesky(gram: g), shift == 0 else { throw CompressionError.invalidBudget("G not PD") }
        return (w, g, l)
    }

    @Test(arguments: [(40, 96), (64, 64), (120, 48)])
    func fastPathMatchesAnIndependentSVDOfWL(_ shape: (Int, Int)) throws {
        let (m, n) = shape
        let (w, _, l) = try Self.problem(m: m, n: n, seed: UInt64(m * 1000 + n))
        let wl = try w.converted(to: Double.self).multiplied(by: l)
        let svd = try SingularValueDecomposition(wl)
        let d = min(m, n), s1 = svd.singularValues[0]
        let spectrum = try GramTruncation.weightedSpectrum(w, lower: l, keep: d, precision: .double)
        // Eigenvalues carry an absolute error ≈ ε·σ₁²: compare σᵢ² to 1e-11·σ₁².
        for i in 0..<d {
            #expect(abs(spectrum.eigenvalues[i] - svd.singularValues[i] * svd.singularValues[i]) <= 1e-11 * s1 * s1, "σ\(i)")
        }
        #expect(abs(spectrum.energy - wl.values.reduce(0) { $0 + $1 * $1 }) <= 1e-12 * spectrum.energy)
        for k in [1, d / 4, d / 2, d - 1] {
            let t = try GramTruncation.weightedFactors(spectrum, weight: w.converted(to: Double.self), lower: l, rank: k)
            #expect(t.a.rows == m && t.a.columns == k && t.b.rows == k && t.b.columns == n)
            let ab = try t.a.multiplied(by: t.b)
            // SVD-LLM identity: ‖(W − AB)L‖² = Σ_{i>k} σᵢ².
            let residual = try GramTruncation.whitenedResidual(weight: w.converted(to: Double.self), a: t.a, b: t.b, lower: l)
            let tail = svd.singularValues.dropFirst(k).reduce(0) { $0 + $1 * $1 }
            #expect(abs(residual - tail) <= 1e-9 * s1 * s1, "k=\(k): residual \(residual) vs tail \(tail)")
            // The residual function is ‖(W − AB)L‖² computed directly.
            let direct = try w.converted(to: Double.self).subtracting(ab).multiplied(by: l).values.reduce(0) { $0 + $1 * $1 }
            #expect(abs(residual - direct) <= 1e-10 * s1 * s1)
            // The single-precision output error of the stored (Float32) factors, what the manifest
            // records: within 1e-5 relative of the all-Float64 residual of the same rounded factors,
            // by L or by G.
            let a32 = t.a.converted(to: Float.self), b32 = t.b.converted(to: Float.self)
            let stored = try GramTruncation.whitenedResidual(weight: w.converted(to: Double.self), a: a32.converted(to: Double.self),
                                                             b: b32.converted(to: Double.self), lower: l)
            let byL = try GramTruncation.outputResidual(weight: w, a: a32, b: b32, lower: l, gram: nil)
            let byG = try GramTruncation.outputResidual(weight: w, a: a32, b: b32, lower: nil, gram: try l.multiplied(by: l, transposeOther: true))
            #expect(abs(byL - stored) <= 1e-5 * stored, "k=\(k): by L \(byL) vs \(stored)")
            #expect(abs(byG - stored) <= 1e-5 * stored, "k=\(k): by G \(byG) vs \(stored)")
            // Rounding the factors to Float32 moves the residual only at second order (Aᵀ(W − AB)L = 0).
            #expect(abs(stored - residual) <= 1e-6 * residual, "k=\(k): stored \(stored) vs exact \(residual)")
            // Same product as the truncated SVD: AB·L = U_k Σ_k V_kᵀ (distinct σ_k, σ_{k+1} here).
            let best = try svd.truncated(to: k)
            let usv = try best.u.scalingColumns(by: best.singularValues).multiplied(by: best.vt)
            let diff = try ab.multiplied(by: l).subtracting(usv).frobeniusNorm
            #expect(diff <= 1e-8 * s1, "k=\(k): ‖AB·L − U_kΣ_kV_kᵀ‖ = \(diff)")
        }
    }

    /// Float32 pass-1 products (`.single`): the spectrum to 1e-6·σ₁², and the factors' error within
    /// 1e-6 (relative, in the G-norm) of the optimum — the stated tolerance of the fast path.
    @Test(arguments: [(40, 96), (120, 48)])
    func singlePrecisionGramStaysWithinItsTolerance(_ shape: (Int, Int)) throws {
        let (m, n) = shape
        let (w, _, l) = try Self.problem(m: m, n: n, seed: UInt64(7 * m + n))
        let wd = w.converted(to: Double.self)
        let exact = try GramTruncation.weightedSpectrum(w, lower: l, keep: min(m, n), precision: .double)
        let single = try GramTruncation.weightedSpectrum(w, lower: l, keep: min(m, n), precision: .single)
        let s1sq = exact.eigenvalues[0]
        for i in 0..<min(m, n) { #expect(abs(exact.eigenvalues[i] - single.eigenvalues[i]) <= 1e-6 * s1sq) }
        for k in [min(m, n) / 4, min(m, n) / 2] {
            let t = try GramTruncation.weightedFactors(single, weight: wd, lower: l, rank: k)
            let residual = try GramTruncation.whitenedResidual(weight: wd, a: t.a, b: t.b, lower: l)
            let optimum = exact.eigenvalues.dropFirst(k).reduce(0, +)
            #expect(residual >= optimum * (1 - 1e-9))
            #expect(residual <= optimum + 1e-6 * exact.energy, "k=\(k): \(residual) vs optimum \(optimum)")
        }
    }
}
