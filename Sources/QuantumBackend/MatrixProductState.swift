/// A real matrix-product state (tensor train) of `n` qubits in left-canonical form:
/// `ψ(s₁…sₙ) = A₁[s₁]·A₂[s₂]⋯Aₙ[sₙ]`, core `k` of shape `(χ_{k−1}, 2, χ_k)` stored row-major, `χ₀ = χₙ = 1`,
/// with `Σ_s A_k[s]ᵀA_k[s] = I` for `k < n` (the norm sits in the last core).
///
/// Built here in Float64 (the circuit encoding needs isometric cores); `init(train:)` takes the engine's
/// `Decomposition.TensorTrain`. Site `k` (1-based) is qubit `n−k`: the row-major reshape of a dense vector makes `s₁` the
/// most significant bit, and qubit 0 is the least significant (Qiskit's order).
public struct MatrixProductState: Sendable {
    /// The cores `A₁…Aₙ`, core `k` (0-based) holding `χ_k · 2 · χ_{k+1}` values, shape `(χ_k, 2, χ_{k+1})` row-major.
    /// Left-canonical for all but the last core. Mutable but not re-checked: keep it consistent with `bondDimensions`.
    public var cores: [[Double]]
    /// The bond dimensions `χ₀…χₙ` (`n + 1` entries, `χ₀ = χₙ = 1`); `χ_k ≤ maxBond` after truncation.
    public var bondDimensions: [Int]  // χ₀…χₙ

    /// Number of sites (qubits) `n`.
    public var numberOfSites: Int { cores.count }

    /// TT-SVD (Oseledets 2011) of a dense vector of length 2ⁿ, keeping at most `maxBond` singular
    /// values per bond. Each thin SVD comes from the Gram matrix `M·Mᵀ` (at most 2χ × 2χ) and
    /// Jacobi; `truncationError` collects the discarded weight `Σ σ²` (relative to ‖ψ‖²).
    public init(dense: [Double], maxBond: Int) throws {
        let n = dense.count.trailingZeroBitCount
        guard dense.count >= 2, dense.count == 1 << n else { throw QuantumError.invalidArgument("MPS: length \(dense.count) is not a power of two ≥ 2") }
        guard maxBond >= 1 else { throw QuantumError.invalidArgument("MPS: maxBond must be ≥ 1") }
        let total = dense.reduce(0) { $0 + $1 * $1 }
        guard total > 0, total.isFinite else { throw QuantumError.invalidArgument("MPS: vector is zero or not finite") }
        var cores: [[Double]] = []
        var bonds = [1]
        var rest = dense            // (χ · 2) × remaining, row-major
        var chi = 1
        var discarded = 0.0
        for k in 0..<(n - 1) {
            let rows = chi * 2, cols = rest.count / rows
            // Gram G = M Mᵀ (rows × rows)
            var g = [Double](repeating: 0, count: rows * rows)
            for i in 0..<rows { for j in i..<rows {
                var s = 0.0
                for c in 0..<cols { s += rest[i * cols + c] * rest[j * cols + c] }
                g[i * rows + j] = s; g[j * rows + i] = s
            } }
            let (vals, vecs) = SymmetricEigen.decompose(g, n: rows)
            var keep = 0
            // Gram eigenvalues below ~1e-14·λ_max are rounding noise (rank ≤ min(rows, cols)).
            for v in vals.prefix(min(maxBond, cols)) where v > 1e-14 * max(vals[0], 1e-300) { keep += 1 }
            keep = max(keep, 1)
            discarded += vals.dropFirst(keep).reduce(0) { $0 + max($1, 0) }
            // Core = first `keep` eigenvectors (rows × keep) = U; remainder = Uᵀ M (keep × cols).
            var core = [Double](repeating: 0, count: rows * keep)
            for r in 0..<rows { for j in 0..<keep { core[r * keep + j] = vecs[r * rows + j] } }
            var next = [Double](repeating: 0, count: keep * cols)
            for j in 0..<keep { for r in 0..<rows {
                let u = vecs[r * rows + j]
                if u == 0 { continue }
                for c in 0..<cols { next[j * cols + c] += u * rest[r * cols + c] }
            } }
            cores.append(core)
            bonds.append(keep)
            chi = keep
            rest = next
            _ = k
        }
        cores.append(rest)  // (χ · 2) × 1
        bonds.append(1)
        self.cores = cores
        self.bondDimensions = bonds
        self.truncationError = discarded / total
    }

    /// Discarded weight `Σ σ²_discarded / ‖ψ‖²` of the truncation (0 when exact).
    public private(set) var truncationError: Double = 0

    /// The dense vector (length 2ⁿ, row-major in `s₁…sₙ`).
    public func dense() -> [Double] {
        var v = [1.0]     // (prefix states) × χ
        var chi = 1
        for (k, core) in cores.enumerated() {
            let next = bondDimensions[k + 1]
            let prefixes = v.count / chi
            var out = [Double](repeating: 0, count: prefixes * 2 * next)
            for p in 0..<prefixes { for a in 0..<chi {
                let x = v[p * chi + a]
                if x == 0 { continue }
                for s in 0..<2 { for b in 0..<next { out[(p * 2 + s) * next + b] += x * core[(a * 2 + s) * next + b] } }
            } }
            v = out
            chi = next
        }
        return v
    }

    /// `A_k[a, s, b]` (k 0-based).
    public func element(_ k: Int, _ a: Int, _ s: Int, _ b: Int) -> Double {
        cores[k][(a * 2 + s) * bondDimensions[k + 1] + b]
    }
}
