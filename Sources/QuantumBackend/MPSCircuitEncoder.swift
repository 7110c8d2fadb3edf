/// Encodes a real normalised state as a circuit through matrix-product states (Ran 2020,
/// "Encoding of matrix product states into quantum circuits of one- and two-qubit gates",
/// Phys. Rev. A 101, 032310, arXiv:1908.07958).
///
/// One layer: the bond-2 left-canonical MPS `A₁…Aₙ` is prepared exactly from |0…0⟩ by a staircase:
/// first a 2-qubit gate on sites (n−1, n) with first column `Σ Aₙ[a,s]|a⟩|s⟩`, then for k = n−1…2 a
/// 2-qubit gate on sites (k−1, k) mapping `|0⟩|a⟩ → Σ A_k[a′,s,a]|a′⟩|s⟩` (an isometry, completed to an
/// orthogonal matrix by Gram–Schmidt), then a 1-qubit gate on site 1 with columns `A₁[·, a]`.
/// Several layers (Ran's iterative scheme): `ψ⁽¹⁾ = ψ`; layer `l` is the staircase `C_l` of the bond-2
/// truncation of `ψ⁽ˡ⁾`; `ψ⁽ˡ⁺¹⁾ = C_l†ψ⁽ˡ⁾`; the circuit applies `C_L` first and `C₁` last, and its
/// fidelity after `l` layers is `|⟨0|ψ⁽ˡ⁺¹⁾⟩|²`.
public enum MPSCircuitEncoder {
    /// Output of the multi-layer encoding: the circuit, its fidelity after each layer and the truncation errors.
    public struct Result: Sendable {
        /// The preparation circuit (`numberOfQubits` = n, gates are 1- and 2-qubit `unitary`s).
        public var circuit: Circuit
        /// `|⟨ψ|C|0⟩|²` after 1, 2, …, L layers.
        public var fidelities: [Double]
        /// Discarded weight of each layer's bond-2 truncation.
        public var truncationErrors: [Double]
    }

    /// The staircase preparing a bond-≤2 MPS exactly (its norm is divided out).
    public static func staircase(_ mps: MatrixProductState) throws -> Circuit {
        let n = mps.numberOfSites
        guard mps.bondDimensions.allSatisfy({ $0 <= 2 }) else { throw QuantumError.invalidArgument("staircase needs bond dimension ≤ 2") }
        var c = Circuit(qubits: n)
        func qubit(_ site: Int) -> Int { n - site }  // 1-based site
        let lastNorm = mps.cores[n - 1].reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard lastNorm > 0 else { throw QuantumError.invalidArgument("zero state") }
        if n == 1 {
            let a = mps.cores[0].map { $0 / lastNorm }
            try c.apply(.unitary(try completeColumns([a], dimension: 2), label: "mps1"), 0)
            return c
        }
        for site in stride(from: n, through: 2, by: -1) {
            let k = site - 1  // 0-based core
            let chiL = mps.bondDimensions[k], chiR = mps.bondDimensions[k + 1]
            var cols: [[Double]] = []
            for a in 0..<chiR {
                var col = [Double](repeating: 0, count: 4)
                for ap in 0..<chiL { for s in 0..<2 {
                    col[ap + 2 * s] = mps.element(k, ap, s, a) / (site == n ? lastNorm : 1)
                } }
                cols.append(col)
            }
            // Column index of input |0⟩_{site−1}|a⟩_{site} is 2a; build the matrix with those columns first.
            let u = try completeColumns(cols, dimension: 4, positions: (0..<chiR).map { 2 * $0 })
            try c.apply(.unitary(u, label: "mps\(site)"), qubit(site - 1), qubit(site))
        }
        let chi1 = mps.bondDimensions[1]
        let cols = (0..<chi1).map { a in (0..<2).map { s in mps.element(0, 0, s, a) } }
        try c.apply(.unitary(try completeColumns(cols, dimension: 2, positions: Array(0..<chi1)), label: "mps1"), qubit(1))
        return c
    }

    /// Ran's multi-layer encoding of a real vector (normalised here; length 2ⁿ, n ≥ 1).
    public static func encode(_ state: [Double], layers: Int) throws -> Result {
        guard layers >= 1 else { throw QuantumError.invalidArgument("layers must be ≥ 1") }
        let norm = state.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { throw QuantumError.invalidArgument("state is zero or not finite") }
        let n = state.count.trailingZeroBitCount
        var psi = state.map { $0 / norm }
        var layerCircuits: [Circuit] = []
        var fidelities: [Double] = [], truncation: [Double] = []
        let sim = StateVectorSimulator(fusion: false)
        for _ in 0..<layers {
            // The MPS orders sites big-endian; the dense vector index is already s₁ = MSB.
            let mps = try MatrixProductState(dense: psi, maxBond: 2)
            truncation.append(mps.truncationError)
            let layer = try staircase(mps)
            layerCircuits.append(layer)
            var sv = try StateVector(amplitudes: psi.map { Complex($0) })
            let inv = try layer.inverse()
            for case let .gate(g, qs) in inv.instructions { try sv.apply(g, qs) }
            let amps = sv.amplitudes
            psi = amps.map(\.re)
            fidelities.append(amps[0].normSquared)
        }
        var circuit = Circuit(qubits: n)
        for layer in layerCircuits.reversed() { try circuit.append(contentsOf: layer) }
        _ = sim
        return Result(circuit: circuit, fidelities: fidelities, truncationErrors: truncation)
    }

    /// An orthogonal `dimension × dimension` matrix whose columns at `positions` are the given
    /// orthonormal `columns`; the rest completed by Gram–Schmidt against the standard basis.
    static func completeColumns(_ columns: [[Double]], dimension d: Int, positions: [Int]? = nil) throws -> ComplexMatrix {
        let pos = positions ?? Array(0..<columns.count)
        var basis: [[Double]] = []
        for c in columns {
            var v = c
            for b in basis { let dot = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }; for i in 0..<d { v[i] -= dot * b[i] } }
            let nrm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard nrm > 1e-8 else { throw QuantumError.notUnitary(detail: "MPS isometry columns are not orthonormal") }
            basis.append(v.map { $0 / nrm })
        }
        var extra: [[Double]] = []
        for e in 0..<d where basis.count + extra.count < d {
            var v = [Double](repeating: 0, count: d)
            v[e] = 1
            for b in basis + extra { let dot = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }; for i in 0..<d { v[i] -= dot * b[i] } }
            let nrm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if nrm > 1e-6 { extra.append(v.map { $0 / nrm }) }
        }
        var m = ComplexMatrix.identity(d)
        var free = (0..<d).filter { !pos.contains($0) }.makeIterator()
        var placed = [[Double]](repeating: [], count: d)
        for (i, p) in pos.enumerated() { placed[p] = basis[i] }
        for v in extra { if let p = free.next() { placed[p] = v } }
        for c in 0..<d { for r in 0..<d { m[r, c] = Complex(placed[c][r]) } }
        return m
    }
}
