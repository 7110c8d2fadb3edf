import Foundation
import Testing
import TestSupport
import TensorCore
@testable import LinearAlgebra

/// A matrix with orthonormal columns (m×k, m ≥ k) from the QR of a seeded Gaussian matrix.
func orthonormal<S: LinearAlgebraScalar>(_ m: Int, _ k: Int, seed: UInt64, _: S.Type = S.self) throws -> Matrix<S> {
    var g = SeededGenerator(seed: seed)
    return try QRDecomposition(g.gaussianMatrix(rows: m, columns: k, as: S.self)).q
}

/// `U·diag(s)·Vᵀ` with random orthonormal U, V: a matrix whose singular values are exactly `s` (planted).
func planted<S: LinearAlgebraScalar>(_ m: Int, _ n: Int, _ s: [Double], seed: UInt64, _: S.Type = S.self) throws -> Matrix<S> {
    let u: Matrix<S> = try orthonormal(m, s.count, seed: seed)
    let v: Matrix<S> = try orthonormal(n, s.count, seed: seed &+ 1)
    return try u.scalingColumns(by: s.map { S($0) }).multiplied(by: v, transposeOther: true)
}

func maxDeviationFromIdentity<S: LinearAlgebraScalar>(_ m: Matrix<S>) -> Double {
    var d = 0.0
    for i in 0..<m.rows { for j in 0..<m.columns { d = max(d, abs(Double(m[i, j]) - (i == j ? 1 : 0))) } }
    return d
}

@Suite struct LinearAlgebraTests {
    @Test func svdMatchesNumpyAndReconstructs() throws {
        let f = try EngineFixtures.load()
        let a = try Matrix<Double>(rows: f.svd.rows, columns: f.svd.columns, values: f.svd.values)
        let svd = try SingularValueDecomposition(a)
        #expect(Approximate.maxAbsDiff(svd.singularValues, f.svd.singular_values) < 1e-12)
        #expect(Approximate.maxAbsDiff(svd.singularValues, f.svd.scipy_singular_values) < 1e-12)
        #expect(Approximate.maxAbsDiff(try svd.reconstructed().values, a.values) < 1e-12)
        #expect(maxDeviationFromIdentity(try svd.u.multiplied(by: svd.u, transposeSelf: true)) < 1e-12)
        #expect(maxDeviationFromIdentity(try svd.vt.multiplied(by: svd.vt, transposeOther: true)) < 1e-12)
        // The QR-iteration driver (the fallback path) gives the same decomposition up to signs.
        let q = try SingularValueDecomposition(a, driver: .qrIteration)
        #expect(!q.usedFallback)
        #expect(Approximate.maxAbsDiff(q.singularValues, f.svd.scipy_singular_values) < 1e-12)
        #expect(Approximate.maxAbsDiff(try q.reconstructed().values, a.values) < 1e-12)
        #expect(Approximate.maxAbsDiff(try q.signNormalized().u.values, try svd.signNormalized().u.values) < 1e-10)
        // Wide matrix (the transpose) and Float: same values.
        let wide = try SingularValueDecomposition(a.transposed().converted(to: Float.self))
        #expect(wide.u.rows == 4 && wide.vt.columns == 6)
        #expect(Approximate.maxAbsDiff(wide.singularValues, f.svd.singular_values) < 1e-5)
        #expect(Approximate.relativeError(try wide.reconstructed().values, a.transposed().values) < 1e-6)
    }

    @Test func svdRecoversPlantedSpectrum() throws {
        let s: [Double] = [10, 7, 3, 1, 0.1, 0.001]
        let a: Matrix<Float> = try planted(40, 25, s, seed: 1)
        let svd = try SingularValueDecomposition(a)
        #expect(svd.count == 25)
        #expect(Approximate.maxAbsDiff(svd.singularValues.prefix(6), s) < 1e-5)
        #expect(svd.singularValues.dropFirst(6).allSatisfy { $0 < 1e-5 })
        // Values only (jobz = 'N') agree with the full decomposition.
        #expect(Approximate.maxAbsDiff(try SingularValueDecomposition.singularValues(of: a), svd.singularValues) < 1e-5)
        #expect(Approximate.maxAbsDiff(try SingularValueDecomposition.singularValues(of: a.transposed()), svd.singularValues) < 1e-5)
        #expect(try SingularValueDecomposition.singularValues(of: Matrix<Float>(zeros: 3, 0)).isEmpty)
        let flipped = svd.signNormalized()
        #expect(Approximate.relativeError(try flipped.reconstructed().values, a.values) < 1e-5)
    }

    @Test func qrIsOrthonormalTimesUpperTriangular() throws {
        var g = SeededGenerator(seed: 7)
        for (m, n) in [(9, 4), (4, 9), (5, 5)] {
            let a: Matrix<Double> = g.gaussianMatrix(rows: m, columns: n)
            let qr = try QRDecomposition(a)
            let p = min(m, n)
            #expect(qr.q.rows == m && qr.q.columns == p && qr.r.rows == p && qr.r.columns == n)
            #expect(Approximate.maxAbsDiff(try qr.q.multiplied(by: qr.r).values, a.values) < 1e-12)
            #expect(maxDeviationFromIdentity(try qr.q.multiplied(by: qr.q, transposeSelf: true)) < 1e-12)
            for i in 0..<p { for j in 0..<min(i, n) { #expect(qr.r[i, j] == 0) } }
        }
    }

    @Test func choleskyFactorsAndReportsFailure() throws {
        var g = SeededGenerator(seed: 3)
        let x: Matrix<Double> = g.gaussianMatrix(rows: 12, columns: 5)
        let gram = try x.gram()
        let l = try CholeskyFactorization(gram).lower
        #expect(Approximate.maxAbsDiff(try l.multiplied(by: l, transposeOther: true).values, gram.values) < 1e-10)
        for i in 0..<5 { #expect(l[i, i] > 0); for j in (i + 1)..<5 { #expect(l[i, j] == 0) } }
        // Indefinite: the third leading minor fails.
        let bad = Matrix<Double>.diagonal([1, 2, -1, 4])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 3)) { try CholeskyFactorization(bad) }
        #expect(throws: LinearAlgebraError.self) { try CholeskyFactorization(Matrix<Double>(zeros: 2, 3)) }
    }

    @Test func symmetricEigenSatisfiesDefinition() throws {
        var g = SeededGenerator(seed: 5)
        let x: Matrix<Double> = g.gaussianMatrix(rows: 8, columns: 6)
        let a = try x.gram()
        let e = try SymmetricEigendecomposition(a)
        #expect(zip(e.eigenvalues, e.eigenvalues.dropFirst()).allSatisfy { $0 <= $1 })
        let av = try a.multiplied(by: e.eigenvectors)
        let vl = try e.eigenvectors.scalingColumns(by: e.eigenvalues)
        #expect(Approximate.maxAbsDiff(av.values, vl.values) < 1e-10)
        #expect(maxDeviationFromIdentity(try e.eigenvectors.multiplied(by: e.eigenvectors, transposeSelf: true)) < 1e-12)
    }

    @Test func leadingEigenvectorsMatchPlantedSpectrumAndFullDecomposition() throws {
        // A = Q·diag(λ)·Qᵀ with known λ (n = 80, above stedc's small-size threshold, so the divide and
        // conquer path runs), Q from the QR of a Gaussian matrix.
        let n = 80
        var g = SeededGenerator(seed: 21)
        let planted = (0..<n).map { 50 * pow(0.9, Double($0)) }
        let q = try SingularValueDecomposition(g.gaussianMatrix(rows: n, columns: n) as Matrix<Double>).u
        let a = try q.scalingColumns(by: planted).multiplied(by: q, transposeOther: true)
        let sym = try Matrix<Double>(rows: n, columns: n, values: (0..<(n * n)).map { i in 0.5 * (a.values[i] + a.values[(i % n) * n + i / n]) })
        let full = try SymmetricEigendecomposition(sym)
        for count in [0, 1, 17, n] {
            let top = try SymmetricEigendecomposition.leading(sym, count: count)
            #expect(top.eigenvalues.count == n && top.eigenvectors.rows == n && top.eigenvectors.columns == count)
            // Descending, equal to the planted values (‖A‖·10⁻¹³) and to syevd's bit for bit in order.
            #expect(Approximate.maxAbsDiff(top.eigenvalues, planted) < 50 * 1e-13)
            #expect(top.eigenvalues == full.eigenvalues.reversed())
            for j in 0..<count {
                let v = (0..<n).map { top.eigenvectors[$0, j] }
                let w = (0..<n).map { full.eigenvectors[$0, n - 1 - j] }
                let dot = zip(v, w).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(abs(dot) - 1) < 1e-12, "vector \(j)")
                // A·v = λ·v against the planted value.
                let av = (0..<n).map { r in (0..<n).reduce(0.0) { $0 + sym[r, $1] * v[$1] } }
                #expect(Approximate.maxAbsDiff(av, v.map { $0 * planted[j] }) < 1e-11)
            }
        }
        let f = try SymmetricEigendecomposition<Float>.leading(sym.converted(to: Float.self), count: 5)
        #expect(Approximate.maxAbsDiff(f.eigenvalues.prefix(5).map(Double.init), Array(planted.prefix(5))) < 50 * 1e-5)
        #expect(throws: LinearAlgebraError.self) { try SymmetricEigendecomposition.leading(sym, count: n + 1) }
        #expect(throws: LinearAlgebraError.self) { try SymmetricEigendecomposition.leading(sym, count: -1) }
        #expect(throws: LinearAlgebraError.self) { try SymmetricEigendecomposition.leading(Matrix<Double>(zeros: 2, 3), count: 1) }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "SymmetricEigendecomposition.leading")) {
            try SymmetricEigendecomposition.leading(Matrix<Double>.diagonal([1, .nan]), count: 1)
        }
    }

    @Test func triangularSolveBothSides() throws {
        var g = SeededGenerator(seed: 9)
        let l = try CholeskyFactorization(try (g.gaussianMatrix(rows: 10, columns: 4) as Matrix<Double>).gram()).lower
        let b: Matrix<Double> = g.gaussianMatrix(rows: 4, columns: 3)
        let x = try l.solveTriangular(b, side: .left, lower: true)
        #expect(Approximate.maxAbsDiff(try l.multiplied(by: x).values, b.values) < 1e-10)
        let xt = try l.solveTriangular(b, side: .left, lower: true, transpose: true)
        #expect(Approximate.maxAbsDiff(try l.multiplied(by: xt, transposeSelf: true).values, b.values) < 1e-10)
        let c: Matrix<Double> = g.gaussianMatrix(rows: 3, columns: 4)
        let y = try l.solveTriangular(c, side: .right, lower: true)
        #expect(Approximate.maxAbsDiff(try y.multiplied(by: l).values, c.values) < 1e-10)
        #expect(throws: LinearAlgebraError.singularTriangular(index: 1)) {
            try Matrix<Double>.diagonal([1, 0, 1, 1]).solveTriangular(b, side: .left, lower: true)
        }
    }

    @Test func randomizedSVDMatchesFullSVD() throws {
        // Planted, geometrically decaying spectrum.
        let s = (0..<60).map { pow(0.85, Double($0)) * 10 }
        let a: Matrix<Float> = try planted(200, 120, s, seed: 11)
        let full = try SingularValueDecomposition(a)
        let k = 16
        let r1 = try RandomizedSVD.compute(a, rank: k, oversampling: 10, powerIterations: 2, seed: 99)
        let r2 = try RandomizedSVD.compute(a, rank: k, oversampling: 10, powerIterations: 2, seed: 99)
        #expect(r1 == r2)  // seeded: reproducible bit for bit
        #expect(r1.count == k && r1.u.rows == 200 && r1.vt.columns == 120)
        #expect(Approximate.relativeError(r1.singularValues, full.singularValues.prefix(k)) < 1e-4)
        // Its rank-k error is within 1% of the optimal (Eckart–Young) error σ_{k+1..}.
        let optimal = full.singularValues.dropFirst(k).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let err = try a.subtracting(r1.reconstructed()).frobeniusNorm
        #expect(err <= optimal * 1.01)
        #expect(throws: LinearAlgebraError.invalidRank(operation: "RandomizedSVD", rank: 121, limit: 120)) {
            try RandomizedSVD.compute(a, rank: 121)
        }
    }

    @Test func seededGeneratorMatchesReferenceStream() throws {
        let f = try EngineFixtures.load()
        var g = SeededGenerator(seed: f.rng.seed)
        for expected in f.rng.first { #expect(String(g.next()) == expected) }
        var h = SeededGenerator(seed: 1)
        let n = 100_000
        var sum = 0.0, sq = 0.0
        for _ in 0..<n { let x = h.nextGaussian(); sum += x; sq += x * x }
        #expect(abs(sum / Double(n)) < 0.015)          // 4.7 standard errors
        #expect(abs(sq / Double(n) - 1) < 0.03)         // ≈ 6.7 standard errors of the variance
    }

    /// `isFinite` against the element-wise definition: NaN, ±Inf anywhere (also in the unrolled
    /// tail), the largest finite values, subnormals and signed zeros.
    @Test func isFiniteMatchesElementwiseDefinition() throws {
        for count in [1, 3, 4, 5, 17] {
            for position in 0..<count {
                for bad in [Double.nan, .infinity, -.infinity] {
                    var v = [Double](repeating: 1.5, count: count)
                    v[position] = bad
                    #expect(!(try Matrix<Double>(rows: 1, columns: count, values: v)).isFinite)
                    var f = [Float](repeating: -2, count: count)
                    f[position] = Float(bad)
                    #expect(!(try Matrix<Float>(rows: 1, columns: count, values: f)).isFinite)
                }
            }
            let extremes: [Double] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, 0]
            let v = (0..<count).map { extremes[$0 % extremes.count] }
            #expect(try Matrix<Double>(rows: 1, columns: count, values: v).isFinite)
            let fx: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, 0]
            #expect(try Matrix<Float>(rows: 1, columns: count, values: (0..<count).map { fx[$0 % fx.count] }).isFinite)
        }
    }

    @Test func shapeAndInputErrorsAreTyped() throws {
        #expect(throws: LinearAlgebraError.self) { try Matrix<Float>(rows: 2, columns: 3, values: [1, 2]) }
        let a = Matrix<Float>(zeros: 2, 3)
        #expect(throws: LinearAlgebraError.shapeMismatch(operation: "multiplied", expected: "inner dimension 3", got: "2")) {
            try a.multiplied(by: a)
        }
        var nan = Matrix<Float>(zeros: 2, 2)
        nan[0, 1] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(operation: "SVD")) { try SingularValueDecomposition(nan) }
        #expect(throws: LinearAlgebraError.self) { try SingularValueDecomposition(a).truncated(to: 3) }
        #expect(throws: LinearAlgebraError.dimensionTooLarge(operation: "x", value: Int(Int32.max) + 1)) {
            try _lapackInt(Int(Int32.max) + 1, "x")
        }
        let empty = try SingularValueDecomposition(Matrix<Double>(zeros: 0, 4))
        #expect(empty.count == 0 && empty.vt.columns == 4)
    }
}

@Suite struct MatrixValueTests {
    @Test func tensorRoundTripSlicesAndScaling() throws {
        let t = try #require(Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6]))
        let m = try Matrix<Float>(t)
        #expect(m.tensor == t)
        #expect(m.transposed().values == [1, 4, 2, 5, 3, 6])
        #expect(try m.rowSlice(1..<2).values == [4, 5, 6])
        #expect(try m.columnSlice(1..<3).values == [2, 3, 5, 6])
        #expect(try m.scalingColumns(by: [1, 0, -1]).values == [1, 0, -3, 4, 0, -6])
        #expect(try m.scalingRows(by: [2, 0]).values == [2, 4, 6, 0, 0, 0])
        #expect(abs(m.frobeniusNorm - 91.0.squareRoot()) < 1e-12)
        #expect(throws: LinearAlgebraError.self) { try Matrix<Float>(Tensor(zeros: [2, 2, 2])) }
        #expect(throws: LinearAlgebraError.self) { try m.rowSlice(1..<3) }
        #expect(throws: LinearAlgebraError.self) { try m.scalingColumns(by: [1]) }
        #expect(BLAS.threadCount >= 1)
    }
}
