import LinearAlgebra
import TensorCore

/// A tensor train (matrix product state) of a d-way tensor A(i₁, …, i_d) with sizes n₁…n_d:
/// `A(i₁,…,i_d) ≈ G₁[i₁] G₂[i₂] ⋯ G_d[i_d]`, core k of shape (r_{k−1}, n_k, r_k), r₀ = r_d = 1.
///
/// Built by TT-SVD (Oseledets, "Tensor-Train Decomposition", SIAM J. Sci. Comput. 33(5), 2011,
/// Algorithm 1): sweep left to right, at cut k take the thin SVD of the current unfolding
/// (r_{k−1} n_k) × (n_{k+1}⋯n_d), keep r_k left singular vectors as core k, carry Σ Vᵀ on.
/// With `TensorTrainTruncation.relativeAccuracy(ε)` the result satisfies ‖A − TT‖_F ≤ ε‖A‖_F.
/// Cores are left-orthonormal except the last. Storage Float32, error bookkeeping Float64.
public struct TensorTrain: Sendable, Equatable {
    /// n₁…n_d.
    public let shape: [Int]
    /// r₀ = 1, r₁, …, r_{d−1}, r_d = 1.
    public let ranks: [Int]
    /// Core k, row-major (r_{k−1}, n_k, r_k).
    public let cores: [[Float]]
    /// For each of the d − 1 cuts, all singular values of the unfolding the sweep factored there
    /// (before truncation). Without truncation upstream they are the singular values of the
    /// unfolding A_(k) = A(i₁…i_k; i_{k+1}…i_d) — the input of bond entropies.
    public let cutSingularValues: [[Double]]
    /// `Σ` over cuts of the squared discarded tails; ‖A − TT‖_F² ≤ this (equality in exact arithmetic, TT-SVD's
    /// errors are orthogonal).
    public let discardedEnergy: Double

    /// Wraps cores, checking shapes and rank chaining.
    public init(shape: [Int], ranks: [Int], cores: [[Float]], cutSingularValues: [[Double]] = [], discardedEnergy: Double = 0) throws {
        let d = shape.count
        guard d >= 1, ranks.count == d + 1, cores.count == d, ranks.first == 1, ranks.last == 1,
              shape.allSatisfy({ $0 > 0 }), ranks.allSatisfy({ $0 > 0 }) else {
            throw DecompositionError.shapeMismatch(context: "TensorTrain: \(d) modes, \(ranks.count) ranks, \(cores.count) cores")
        }
        for k in 0..<d where cores[k].count != ranks[k] * shape[k] * ranks[k + 1] {
            throw DecompositionError.shapeMismatch(context: "TensorTrain core \(k) has \(cores[k].count) values, expected \(ranks[k])×\(shape[k])×\(ranks[k + 1])")
        }
        self.shape = shape
        self.ranks = ranks
        self.cores = cores
        self.cutSingularValues = cutSingularValues
        self.discardedEnergy = discardedEnergy
    }

    /// Σ_k r_{k−1} n_k r_k.
    public var parameterCount: Int { cores.reduce(0) { $0 + $1.count } }

    /// TT-SVD of the row-major tensor `values` with `shape`.
    public static func decompose(_ values: [Float], shape: [Int], truncation: TensorTrainTruncation) throws -> TensorTrain {
        let d = shape.count
        guard d >= 1, shape.allSatisfy({ $0 > 0 }), let total = Tensor.elementCount(shape), total == values.count else {
            throw DecompositionError.shapeMismatch(context: "TT-SVD: \(values.count) values for shape \(shape)")
        }
        if let e = truncation.epsilon, !(e.isFinite && e >= 0) {
            throw DecompositionError.invalidParameter(name: "epsilon", value: "\(e)", reason: "must be finite and ≥ 0")
        }
        if let caps = truncation.caps {
            guard caps.count == d - 1, caps.allSatisfy({ $0 >= 1 }) else {
                throw DecompositionError.invalidParameter(name: "maxRanks", value: "\(caps)", reason: "need \(d - 1) ranks ≥ 1")
            }
        }
        guard values.allSatisfy({ $0.isFinite }) else { throw DecompositionError.linearAlgebra(.nonFinite(operation: "TT-SVD")) }
        var norm2 = 0.0
        for v in values { norm2 += Double(v) * Double(v) }
        let delta = d > 1 ? (truncation.epsilon ?? 0) * norm2.squareRoot() / Double(d - 1).squareRoot() : 0
        var cores: [[Float]] = []
        var ranks = [1]
        var cuts: [[Double]] = []
        var discarded = 0.0
        var carry = values            // the current remainder, row-major (r_{k-1} n_k) × rest
        var rest = total
        for k in 0..<(d - 1) {
            let rowsK = ranks[k] * shape[k]
            rest /= shape[k]
            let c = try _la { try Matrix<Float>(rows: rowsK, columns: rest, values: carry) }
            var tailNorms: [Double] = []
            let step = try _ttStep(c) { s in
                // Smallest rank whose discarded tail ‖σ_{r+1:}‖ ≤ δ, then the cap.
                var tail = [Double](repeating: 0, count: s.count + 1)
                for i in stride(from: s.count - 1, through: 0, by: -1) { tail[i] = tail[i + 1] + s[i] * s[i] }
                tailNorms = tail
                var r = s.count
                if truncation.epsilon != nil {
                    r = 1
                    while r < s.count && tail[r].squareRoot() > delta { r += 1 }
                }
                if let caps = truncation.caps { r = Swift.min(r, caps[k]) }
                return Swift.max(1, Swift.min(r, s.count))
            }
            let r = step.core.columns
            cuts.append(step.singularValues)
            discarded += tailNorms[r]
            cores.append(step.core.values)   // (r_{k-1}, n_k, r_k)
            carry = step.carry.values        // Σ_r V_rᵀ, r_k × rest
            ranks.append(r)
        }
        cores.append(carry)
        ranks.append(1)
        return try TensorTrain(shape: shape, ranks: ranks, cores: cores, cutSingularValues: cuts, discardedEnergy: discarded)
    }

    /// The full tensor, row-major, by contracting the cores left to right (gemm per core).
    public func contracted() throws -> [Float] {
        var acc = try _la { try Matrix<Float>(rows: shape[0], columns: ranks[1], values: cores[0]) }  // (n₁, r₁)
        for k in 1..<shape.count {
            let g = try _la { try Matrix<Float>(rows: ranks[k], columns: shape[k] * ranks[k + 1], values: cores[k]) }
            let p = try _la { try acc.multiplied(by: g) }                        // (n₁⋯n_{k−1}, n_k r_k)
            acc = try _la { try Matrix<Float>(rows: p.rows * shape[k], columns: ranks[k + 1], values: p.values) }
        }
        return acc.values
    }
}

/// One TT-SVD step on an unfolding C (p×q): all singular values σ, the rank r chosen from them by
/// `chooseRank`, the core U_r (p×r) and the carry `U_rᵀ C = Σ_r V_rᵀ` (r×q).
///
/// Wide unfoldings (4p ≤ q, the first steps) use the eigendecomposition of the p×p Gram matrix C Cᵀ
/// formed in Float64 (LAPACK `syevd`); tall ones (p ≥ 4q) that of CᵀC, with U_r = C V_r Σ_r⁻¹ in
/// Float64 when the kept σ_r ≥ 10⁻³σ₁ (so the division amplifies rounding by at most 10⁶·ε₆₄).
/// Same U, σ and product as the SVD in exact arithmetic; σ accurate to about √ε₆₄·σ₁ ≈ 1.5·10⁻⁸σ₁
/// (a Float32 SVD gives ~10⁻⁷σ₁), and the long side of Vᵀ or U is never formed. Everything else,
/// and the ill-conditioned tall case, uses LAPACK's thin SVD (`gesdd`).
func _ttStep(_ c: Matrix<Float>, chooseRank: ([Double]) -> Int) throws -> (core: Matrix<Float>, carry: Matrix<Float>, singularValues: [Double]) {
    let p = c.rows, q = c.columns
    if p >= 1, 4 * p <= q {
        let cd = c.converted(to: Double.self)
        let eig = try _la { try SymmetricEigendecomposition(cd.multiplied(by: cd, transposeOther: true)) }  // ascending
        let sigma = (0..<p).reversed().map { Swift.max(0, eig.eigenvalues[$0]).squareRoot() }
        let r = chooseRank(sigma)
        var u = [Float](repeating: 0, count: p * r)
        for col in 0..<r { let src = p - 1 - col; for i in 0..<p { u[i * r + col] = Float(eig.eigenvectors[i, src]) } }
        let core = try _la { try Matrix<Float>(rows: p, columns: r, values: u) }
        return (core, try _la { try core.multiplied(by: c, transposeSelf: true) }, sigma)
    }
    if q >= 1, p >= 4 * q {
        let cd = c.converted(to: Double.self)
        let eig = try _la { try SymmetricEigendecomposition(cd.gram()) }                                 // q×q, ascending
        let sigma = (0..<q).reversed().map { Swift.max(0, eig.eigenvalues[$0]).squareRoot() }
        let r = chooseRank(sigma)
        if sigma[0] > 0, sigma[r - 1] >= 1e-3 * sigma[0] {
            var v = [Double](repeating: 0, count: q * r)                                                   // q×r, V_r
            for col in 0..<r { let src = q - 1 - col; for i in 0..<q { v[i * r + col] = eig.eigenvectors[i, src] } }
            let vr = try _la { try Matrix<Double>(rows: q, columns: r, values: v) }
            let u = try _la { try cd.multiplied(by: vr).scalingColumns(by: sigma.prefix(r).map { 1 / $0 }) }  // C V_r Σ_r⁻¹
            let carry = try _la { try vr.transposed().scalingRows(by: Array(sigma.prefix(r))) }             // Σ_r V_rᵀ
            return (u.converted(to: Float.self), carry.converted(to: Float.self), sigma)
        }
    }
    let svd = try _la { try SingularValueDecomposition(c) }
    let sigma = svd.singularValues.map(Double.init)
    let t = try _la { try svd.truncated(to: chooseRank(sigma)) }
    return (t.u, try _la { try t.vt.scalingRows(by: t.singularValues) }, sigma)
}
