import LinearAlgebra

/// The rank-k truncated SVD of an m×n matrix M (Float64) computed from the eigendecomposition of its
/// smaller Gram matrix instead of a full SVD: with MᵀM = V Λ Vᵀ (n ≤ m), σᵢ = √λᵢ and the optimal
/// factors are A = M V_k Σ_k^{-1/2} (= U_k Σ_k^{1/2}), B = Σ_k^{1/2} V_kᵀ; with M Mᵀ = U Λ Uᵀ
/// (m < n), A = U_k Σ_k^{1/2}, B = Σ_k^{-1/2} U_kᵀ M. Then A·B = M V_k V_kᵀ (or U_k U_kᵀ M) is the
/// orthogonal projection of M on its top-k singular subspace — Eckart–Young's optimum — and the error
/// is Σ_{i>k} σᵢ² up to rounding. Cost ≈ min(m,n)²·max(m,n) (Gram) + O(min(m,n)³) (`syevd`) +
/// mnk, about half of `gesdd` with vectors; eigenvalues carry an absolute error ≈ ε·σ₁², so σᵢ
/// below ≈ 10⁻⁸σ₁ are not resolved (they are never kept at the ranks a budget allows). Singular
/// vectors are sign-normalised (largest-magnitude entry of each column of U_k positive).
enum GramTruncation {
    struct Result {
        var a: Matrix<Double>
        var b: Matrix<Double>
        /// All min(m, n) singular values, non-increasing.
        var singularValues: [Double]
    }

    /// The eigendecomposition of M's smaller Gram matrix, from which any rank can be cut.
    struct Prepared {
        var matrix: Matrix<Double>
        var eig: SymmetricEigendecomposition<Double>
    }

    static func prepare(_ m: Matrix<Double>) throws -> Prepared {
        let tall = m.rows >= m.columns
        let g = tall ? try m.multiplied(by: m, transposeSelf: true) : try m.multiplied(by: m, transposeOther: true)
        return Prepared(matrix: m, eig: try SymmetricEigendecomposition(g))
    }

    static func factor(_ m: Matrix<Double>, rank k: Int) throws -> Result {
        try factor(try prepare(m), rank: k)
    }

    static func factor(_ p: Prepared, rank k: Int) throws -> Result {
        let m = p.matrix, eig = p.eig
        let tall = m.rows >= m.columns
        let d = tall ? m.columns : m.rows
        let order = (0..<d).reversed().map { $0 }  // descending eigenvalues
        let sigma = order.map { Swift.max(eig.eigenvalues[$0], 0).squareRoot() }
        let kk = Swift.min(Swift.max(k, 1), d)
        // Top-k eigenvectors as columns (d×k).
        var vk = [Double](repeating: 0, count: d * kk)
        for c in 0..<kk { let src = order[c]; for r in 0..<d { vk[r * kk + c] = eig.eigenvectors.values[r * d + src] } }
        let q = try Matrix<Double>(rows: d, columns: kk, values: vk)
        let floor = (sigma.first ?? 0) * 1e-12
        let rootInv = sigma.prefix(kk).map { $0 > floor ? 1 / $0.squareRoot() : 0 }
        let root = sigma.prefix(kk).map { $0.squareRoot() }
        var a: Matrix<Double>, b: Matrix<Double>
        if tall {
            a = try m.multiplied(by: q).scalingColumns(by: Array(rootInv))          // M V_k Σ^{-1/2}
            b = try q.transposed().scalingRows(by: Array(root))                     // Σ^{1/2} V_kᵀ
        } else {
            a = try q.scalingColumns(by: Array(root))                               // U_k Σ^{1/2}
            b = try q.multiplied(by: m, transposeSelf: true).scalingRows(by: Array(rootInv))  // Σ^{-1/2} U_kᵀ M
        }
        // Sign: largest-magnitude entry of each column of U_k (∝ column of A) positive.
        var flip = [Double](repeating: 1, count: kk)
        for c in 0..<kk {
            var best = 0.0, sign = 1.0
            for r in 0..<a.rows { let v = a.values[r * kk + c]; if abs(v) > best { best = abs(v); sign = v < 0 ? -1 : 1 } }
            flip[c] = sign
        }
        a = try a.scalingColumns(by: flip)
        b = try b.scalingRows(by: flip)
        return Result(a: a, b: b, singularValues: sigma)
    }
}
