import Decomposition
import LinearAlgebra

extension GramTruncation {
    /// Pass 1 of the measurement-aware truncation (SVD-LLM, Wang et al. 2024) of W (m×n) with the
    /// input Gram matrix G = L Lᵀ: the eigendecomposition of the smaller Gram matrix of W·L,
    /// computed once and used for both the allocation spectrum and the factors (pass 2).
    ///
    /// m ≤ n: M = (WL)(WL)ᵀ = W G Wᵀ (m×m) = U Λ Uᵀ; U are the left singular vectors of W·L.
    /// m > n: N = (WL)ᵀ(WL) (n×n) = V Λ Vᵀ; V are its right singular vectors.
    /// In both cases σᵢ(W·L) = √λᵢ.
    struct WeightedSpectrum: Sendable, Equatable {
        var rows: Int
        var columns: Int
        /// λ₁ ≥ … ≥ λ_d ≥ 0 (d = min(m, n)), clamped at 0.
        var eigenvalues: [Double]
        /// The top `kept` eigenvectors as columns, d×kept row-major (U for m ≤ n, V for m > n).
        var vectors: [Double]
        var kept: Int
        /// ‖W·L‖²_F = tr(W (G + shift·I) Wᵀ).
        var energy: Double
        /// The diagonal shift of the Cholesky factor L (0 when G itself factored).
        var shift: Double = 0
        /// ‖W‖²_F, so that tr(W G Wᵀ) = energy − shift·‖W‖²_F.
        var weightEnergy: Double = 0

        /// tr(W G Wᵀ) with the unshifted G: the denominator of the output error.
        var outputEnergy: Double { energy - shift * weightEnergy }

        var left: Bool { rows <= columns }
        var dimension: Int { Swift.min(rows, columns) }
        var singularValues: [Double] { eigenvalues.map { $0.squareRoot() } }
    }

    /// Arithmetic of the pass-1 Gram product (W·L then its Gram matrix). `.single` rounds W·L
    /// and its Gram matrix to Float32 (sgemm-class kernels, about twice dgemm's speed); the
    /// eigendecomposition and everything after it stay Float64. Only the subspace and the spectrum
    /// depend on this choice; the measured error never does (pass 2 measures in Float64).
    enum GramPrecision: Sendable { case single, double }

    /// Pass 1: the spectrum and top `keep` singular vectors of W·L (`keep` is clamped to [1, d]).
    /// Cost with `.double`: m·n² (trmm) + d²·max(m, n) (syrk) + syevd(d), its back-transformation for
    /// the `keep` vectors only.
    static func weightedSpectrum(_ w: Matrix<Float>, lower l: Matrix<Double>, shift: Double = 0, keep: Int,
                                 precision: GramPrecision = .double) throws -> WeightedSpectrum {
        let m = w.rows, n = w.columns
        guard l.rows == n, l.columns == n else {
            throw LinearAlgebraError.shapeMismatch(operation: "weightedSpectrum", expected: "\(n)×\(n) Cholesky factor", got: "\(l.rows)×\(l.columns)")
        }
        let d = Swift.min(m, n)
        let gram: Matrix<Double>, energy: Double
        switch precision {
        case .double:
            let wl = try w.converted(to: Double.self).multipliedByLowerTriangular(l)
            energy = wl.values.reduce(0) { $0 + $1 * $1 }
            gram = try wl.symmetricGram(transposeSelf: m > n)
        case .single:
            let wl = try w.multipliedByLowerTriangular(l.converted(to: Float.self))
            energy = wl.values.reduce(0.0) { $0 + Double($1) * Double($1) }
            gram = try wl.symmetricGram(transposeSelf: m > n).converted(to: Double.self)
        }
        // All eigenvalues; the back-transformation only for the `c` vectors kept (`leading`).
        let c = Swift.min(Swift.max(keep, 1), d)
        let eig = try SymmetricEigendecomposition.leading(gram, count: c)
        let vectors = eig.eigenvectors.values
        let values = eig.eigenvalues.map { Swift.max($0, 0) }
        let weightEnergy = w.values.reduce(0.0) { $0 + Double($1) * Double($1) }
        return WeightedSpectrum(rows: m, columns: n, eigenvalues: values, vectors: vectors, kept: c, energy: energy,
                                shift: shift, weightEnergy: weightEnergy)
    }

    /// Pass 2: the rank-k SVD-LLM factors from a pass-1 spectrum, A·B = U_k U_kᵀ W — the
    /// orthogonal projection of W·L on its top-k left singular subspace, mapped back by L⁻¹ —
    /// so that ‖(W − AB)L‖²_F = Σ_{i>k} λᵢ (Eckart–Young on W·L, the SVD-LLM error identity).
    /// m ≤ n: A = U_k Σ_k^{1/2}, B = Σ_k^{-1/2} U_kᵀ W (no L⁻¹ needed).
    /// m > n: A = W (L V_k) Σ_k^{-1/2} (= U_k Σ_k^{1/2}), B = Σ_k^{1/2} V_kᵀ L⁻¹.
    /// Singular values below 10⁻¹²σ₁ get a zero inverse. Columns of A are sign-normalised (largest
    /// magnitude entry positive). Requires k ≤ `spectrum.kept`.
    /// `lower` is only read when m > n (pass nil otherwise: the wide case needs no L).
    static func weightedFactors(_ s: WeightedSpectrum, weight w: Matrix<Double>, lower: Matrix<Double>?, rank k: Int) throws -> Result {
        let m = s.rows, n = s.columns, d = s.dimension
        let kk = Swift.min(Swift.max(k, 1), d)
        guard kk <= s.kept, w.rows == m, w.columns == n else {
            throw LinearAlgebraError.invalidRank(operation: "weightedFactors", rank: kk, limit: s.kept)
        }
        let sigma = s.singularValues
        var q = [Double](repeating: 0, count: d * kk)  // top-k vectors, d×k
        s.vectors.withUnsafeBufferPointer { v in
            q.withUnsafeMutableBufferPointer { qp in
                for r in 0..<d { for c in 0..<kk { qp[r * kk + c] = v[r * s.kept + c] } }
            }
        }
        let qk = try Matrix<Double>(rows: d, columns: kk, values: q)
        let floor = (sigma.first ?? 0) * 1e-12
        let root = sigma.prefix(kk).map { $0.squareRoot() }
        let rootInv = sigma.prefix(kk).map { $0 > floor ? 1 / $0.squareRoot() : 0 }
        var a: Matrix<Double>, b: Matrix<Double>
        if s.left {
            a = try qk.scalingColumns(by: root)                                                  // U_k Σ^{1/2}
            b = try qk.multiplied(by: w, transposeSelf: true).scalingRows(by: rootInv)            // Σ^{-1/2} U_kᵀ W
        } else {
            guard let l = lower, l.rows == n, l.columns == n else {
                throw LinearAlgebraError.shapeMismatch(operation: "weightedFactors", expected: "\(n)×\(n) Cholesky factor", got: "none")
            }
            let lv = try l.multiplied(by: qk)                                                   // L V_k  (n×k)
            a = try w.multiplied(by: lv).scalingColumns(by: rootInv)                             // W L V_k Σ^{-1/2}
            b = try l.solveTriangular(qk.transposed().scalingRows(by: root), side: .right, lower: true)  // Σ^{1/2} V_kᵀ L⁻¹
        }
        var flip = [Double](repeating: 1, count: kk)
        a.values.withUnsafeBufferPointer { av in
            var best = [Double](repeating: 0, count: kk)
            for r in 0..<a.rows {  // row by row: the largest |entry| of each column decides its sign
                for c in 0..<kk {
                    let v = av[r * kk + c]
                    if abs(v) > best[c] { best[c] = abs(v); flip[c] = v < 0 ? -1 : 1 }
                }
            }
        }
        a = try a.scalingColumns(by: flip)
        b = try b.scalingRows(by: flip)
        return Result(a: a, b: b, singularValues: sigma)
    }

    /// ‖(W − A·B)·L‖²_F for the stored (rounded) factors, in Float64: E = W − A·B (gemm), then
    /// E·L (trmm). With G = L Lᵀ this is tr(E G Eᵀ), the output error on the calibration inputs.
    static func whitenedResidual(weight w: Matrix<Double>, a: Matrix<Double>, b: Matrix<Double>, lower l: Matrix<Double>) throws -> Double {
        let ab = try a.multiplied(by: b)
        var ev = ab.values
        ev.withUnsafeMutableBufferPointer { ep in
            w.values.withUnsafeBufferPointer { wp in for i in 0..<ep.count { ep[i] = wp[i] - ep[i] } }
        }
        let el = try Matrix<Double>(rows: w.rows, columns: w.columns, values: ev).multipliedByLowerTriangular(l)
        return el.values.reduce(0) { $0 + $1 * $1 }
    }

    /// The output error of stored factors on the calibration inputs, tr(E G Eᵀ) with E = W − A·B,
    /// in single precision with a Float64 sum: E = W − A·B by one sgemm (β = 1) from the stored
    /// Float32 factors, then E·L (strmm) when `lower` is given (G = L Lᵀ), else E·G (sgemm), and
    /// Σ (E·L)² or Σ (E·G)∘E accumulated in Float64. Relative accuracy about 10⁻⁶ (Float32
    /// rounding of the k-term products and of L or G, growing with √n): on SmolLM2-135M's 210
    /// matrices it agreed with the Float64-E value within 9.3·10⁻⁷ (docs/BENCHMARKS.md);
    /// `WeightedTruncationTests` states the bound against the all-Float64 `whitenedResidual`.
    static func outputResidual(weight w: Matrix<Float>, a: Matrix<Float>, b: Matrix<Float>,
                               lower: Matrix<Double>?, gram: Matrix<Double>?) throws -> Double {
        let m = w.rows, n = w.columns, k = a.columns
        guard a.rows == m, b.rows == k, b.columns == n else {
            throw LinearAlgebraError.shapeMismatch(operation: "outputResidual", expected: "A \(m)×k, B k×\(n)", got: "A \(a.rows)×\(a.columns), B \(b.rows)×\(b.columns)")
        }
        var e = w.values
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                e.withUnsafeMutableBufferPointer { ep in
                    BLAS.gemm(m: m, n: n, k: k, alpha: -1, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, beta: 1, c: ep.baseAddress!, ldc: n)
                }
            }
        }
        let em = try Matrix<Float>(rows: w.rows, columns: w.columns, values: e)
        if let l = lower {
            let el = try em.multipliedByLowerTriangular(l.converted(to: Float.self))
            return el.values.reduce(0.0) { $0 + Double($1) * Double($1) }
        }
        guard let g = gram, g.rows == w.columns else {
            throw LinearAlgebraError.shapeMismatch(operation: "outputResidual", expected: "a Cholesky factor or the \(w.columns)×\(w.columns) Gram matrix", got: "none")
        }
        let eg = try em.multiplied(by: g.converted(to: Float.self))
        var sum = 0.0
        for i in 0..<e.count { sum += Double(eg.values[i]) * Double(e[i]) }
        return sum
    }
}

