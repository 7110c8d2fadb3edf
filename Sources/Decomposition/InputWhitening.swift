import LinearAlgebra

/// The input-side transform S of a measurement-aware factorization: the SVD is taken of W·S
/// and the right factor is mapped back with S⁻¹.
public enum InputWhitening: Sendable, Equatable {
    /// S = L, the lower Cholesky factor of `G + shift·I` (SVD-LLM). `shift` is 0 when G itself was
    /// positive definite; otherwise the smallest diagonal shift found that made the factorization succeed.
    case cholesky(lower: Matrix<Double>, shift: Double)
    /// S = diag(d), `d_j = max(mean|x_j|, floor)^α` (ASVD); zero channels are raised to `floor`
    /// (10⁻¹² of the largest mean) so that S is invertible.
    case diagonal(scale: [Double], alpha: Double)

    /// n.
    public var dimension: Int {
        switch self {
        case let .cholesky(l, _): return l.rows
        case let .diagonal(d, _): return d.count
        }
    }

    /// The diagonal shift added to G (0 for the diagonal scaling or an unshifted Cholesky).
    public var shift: Double {
        if case let .cholesky(_, s) = self { return s }
        return 0
    }

    /// `M·S` for an m×n matrix M.
    public func applyRight(_ m: Matrix<Double>) throws -> Matrix<Double> {
        switch self {
        case let .cholesky(l, _): return try _la { try m.multiplied(by: l) }
        case let .diagonal(d, _): return try _la { try m.scalingColumns(by: d) }
        }
    }

    /// `M·S⁻¹` for a k×n matrix M (a triangular solve for the Cholesky factor).
    public func solveRight(_ m: Matrix<Double>) throws -> Matrix<Double> {
        switch self {
        case let .cholesky(l, _): return try _la { try l.solveTriangular(m, side: .right, lower: true) }
        case let .diagonal(d, _): return try _la { try m.scalingColumns(by: d.map { 1 / $0 }) }
        }
    }

    /// `S⁻¹·x` applied to each input row, i.e. `X·S⁻ᵀ` for X (T×n) — used to map inputs into the whitened basis.
    public func whitenInputs(_ x: Matrix<Double>) throws -> Matrix<Double> {
        switch self {
        case let .cholesky(l, _): return try _la { try l.solveTriangular(x, side: .right, lower: true, transpose: true) }
        case let .diagonal(d, _): return try _la { try x.scalingColumns(by: d.map { 1 / $0 }) }
        }
    }

    /// The Cholesky whitening of a Gram matrix: `G = S Sᵀ`, or, when G is not numerically positive
    /// definite, `G + λI = S Sᵀ` with the smallest λ found by a geometric search then bisection
    /// (8 halvings of the bracket in log λ) starting from 10⁻¹² · mean(diag G). The search grid
    /// bounds "smallest": when 10⁻¹²·mean(diag G) already works (a G that is singular only by
    /// rounding) that value is reported.
    ///
    /// `dampening` (default 0) first adds `dampening · mean(diag G)` unconditionally (the
    /// "percdamp" of GPTQ): a positive value keeps S⁻¹ bounded when G is (nearly) singular, which
    /// generalises better to inputs outside the calibration span. The reported shift includes it.
    public static func cholesky(gram g: Matrix<Double>, dampening: Double = 0) throws -> InputWhitening {
        guard dampening.isFinite, dampening >= 0 else {
            throw DecompositionError.invalidParameter(name: "dampening", value: "\(dampening)", reason: "must be finite and ≥ 0")
        }
        guard g.rows == g.columns else { throw DecompositionError.shapeMismatch(context: "Gram matrix is \(g.rows)×\(g.columns)") }
        guard g.isFinite else { throw DecompositionError.linearAlgebra(.nonFinite(operation: "Cholesky")) }
        let n = g.rows
        var trace = 0.0
        for i in 0..<n { trace += abs(g[i, i]) }
        let scale = trace > 0 ? trace / Double(n) : 1
        let base = dampening * scale
        func attempt(_ lambda: Double) -> Matrix<Double>? {
            // Unshifted: factor g itself (no copy of the n×n matrix before the factorization's own).
            if base + lambda == 0 { return try? CholeskyFactorization(g).lower }
            var shifted = g
            for i in 0..<n { shifted[i, i] += base + lambda }
            return try? CholeskyFactorization(shifted).lower
        }
        if let l = attempt(0) { return .cholesky(lower: l, shift: base) }
        var low = 0.0, high = scale * 1e-12
        var found: Matrix<Double>? = nil
        while high <= scale * 1e6 {
            if let l = attempt(high) { found = l; break }
            low = high
            high *= 10
        }
        guard var best = found else { throw DecompositionError.regularizationFailed(largestTried: high / 10) }
        // Bisect between the last failing and the first working shift.
        for _ in 0..<8 where low > 0 {
            let mid = (low * high).squareRoot()
            if let l = attempt(mid) { best = l; high = mid } else { low = mid }
        }
        return .cholesky(lower: best, shift: base + high)
    }

    /// The ASVD diagonal scaling `diag(mean|x|)^α`.
    public static func diagonal(meanAbsolute: [Double], alpha: Double) throws -> InputWhitening {
        guard alpha.isFinite, alpha >= 0 else {
            throw DecompositionError.invalidParameter(name: "alpha", value: "\(alpha)", reason: "must be finite and ≥ 0")
        }
        let top = meanAbsolute.max() ?? 0
        let floor = top > 0 ? top * 1e-12 : 1
        return .diagonal(scale: meanAbsolute.map { _pow(Swift.max($0, floor), alpha) }, alpha: alpha)
    }
}
