/// An n-qubit density matrix `ρ`, stored as the 2n-qubit vector `vec(ρ)` with
/// `ρ[r, c]` at index `r·2ⁿ + c`: column bits are "qubits" 0…n−1, row bits n…2n−1.
///
/// So `ρ → UρU†` is `U` on the row qubits and `U*` on the column qubits, reusing the state-vector
/// kernels, and a 1-qubit channel with Kraus operators `K_k` is the 4×4 superoperator
/// `S = Σ_k K_k ⊗ K_k*` on (column q, row q) with local index `c + 2r`.
public struct DensityMatrix: Sendable {
    /// Number of qubits n (1…13); the backing vector has 2n "qubits".
    public let numberOfQubits: Int
    var vec: StateVector

    /// |0…0⟩⟨0…0| (1…13 qubits: 16·4ⁿ bytes).
    public init(qubits: Int) throws {
        guard qubits >= 1 && qubits <= 13 else { throw QuantumError.unsupported("density matrix of \(qubits) qubits (1…13)") }
        numberOfQubits = qubits
        vec = try StateVector(qubits: 2 * qubits)
    }

    /// Side length `2ⁿ` of ρ.
    public var dimension: Int { 1 << numberOfQubits }
    /// The entry `ρ[r, c] = ⟨r|ρ|c⟩`, both indices in `0..<dimension` (little-endian qubit order; out of range traps).
    public subscript(r: Int, c: Int) -> Complex { Complex(vec.storage[2 * (r * dimension + c)], vec.storage[2 * (r * dimension + c) + 1]) }

    /// The diagonal `ρ_ii` (Born probabilities).
    public var probabilities: [Double] { (0..<dimension).map { vec.storage[2 * ($0 * dimension + $0)] } }

    /// `Tr ρ`.
    public var trace: Double { probabilities.reduce(0.0, +) }

    /// `Tr ρ²` (1 for a pure state).
    public var purity: Double { vec.normSquared }

    /// `ρ → UρU†` for a gate.
    public mutating func apply(_ g: Gate, _ qs: [Int], bindings: [String: Double] = [:]) throws {
        let n = numberOfQubits
        try vec.apply(g, qs.map { $0 + n }, bindings: bindings)
        switch g {
        case .ccx: vec.applyCCX(qs[0], qs[1], target: qs[2])
        case .x, .cx, .swap, .cz, .id, .h: try vec.apply(g, qs)
        default:
            let m = try g.matrix(bindings).conjugate
            if m.dimension == 2 { vec.applyMatrix(m, qs[0]) } else { vec.applyMatrix2(m, qs[0], qs[1]) }
        }
    }

    /// A 1-qubit channel given by Kraus operators.
    public mutating func applyChannel(_ kraus: [ComplexMatrix], _ q: Int) {
        var s = ComplexMatrix(dimension: 4, elements: [Complex](repeating: .zero, count: 16))!
        for k in kraus {
            for r in 0..<2 { for c in 0..<2 { for r2 in 0..<2 { for c2 in 0..<2 {
                s[c + 2 * r, c2 + 2 * r2] += k[r, r2] * k[c, c2].conjugate
            } } } }
        }
        vec.applyMatrix2(s, q, q + numberOfQubits)
    }

    /// 1-qubit depolarizing with probability `p`.
    public mutating func depolarize(_ q: Int, _ p: Double) {
        guard p > 0 else { return }
        let paulis = [Gate.x, .y, .z].map { (try? $0.matrix()) ?? .identity(2) }
        let k0 = Complex((1 - p).squareRoot()) * ComplexMatrix.identity(2)
        applyChannel([k0] + paulis.map { Complex((p / 3).squareRoot()) * $0 }, q)
    }

    /// 2-qubit depolarizing with probability `p`: `(1 − 16p/15)ρ + (16p/15)·Tr_{ab}ρ ⊗ I/4`.
    public mutating func depolarize(_ a: Int, _ b: Int, _ p: Double) {
        guard p > 0 else { return }
        var full = self
        full.depolarize(a, 0.75)  // p = 3/4 is the completely depolarizing channel ρ → I/2·Tr ρ
        full.depolarize(b, 0.75)
        let l = 16 * p / 15
        for i in vec.storage.indices { vec.storage[i] = (1 - l) * vec.storage[i] + l * full.vec.storage[i] }
    }

    /// Amplitude damping with decay probability `γ = g` on qubit `q`: Kraus `K₀ = diag(1, √(1−γ))`,
    /// `K₁ = √γ·|0⟩⟨1|` (Nielsen & Chuang §8.3.5). `g ≤ 0` is a no-op; `g` must be ≤ 1.
    public mutating func amplitudeDamp(_ q: Int, _ g: Double) {
        guard g > 0 else { return }
        applyChannel([.diagonal([.one, Complex((1 - g).squareRoot())]),
                      ComplexMatrix(dimension: 2, elements: [.zero, Complex(g.squareRoot()), .zero, .zero])!], q)
    }

    /// Phase damping with parameter `λ = l` on qubit `q`: Kraus `K₀ = diag(1, √(1−λ))`, `K₁ = √λ·|1⟩⟨1|`
    /// (Nielsen & Chuang §8.3.6); off-diagonals scale by `√(1−λ)`. `l ≤ 0` is a no-op; `l` must be ≤ 1.
    public mutating func phaseDamp(_ q: Int, _ l: Double) {
        guard l > 0 else { return }
        applyChannel([.diagonal([.one, Complex((1 - l).squareRoot())]), .diagonal([.zero, Complex(l.squareRoot())])], q)
    }

    /// Reset to |0⟩: Kraus `|0⟩⟨0|`, `|0⟩⟨1|`.
    public mutating func reset(_ q: Int) {
        applyChannel([.diagonal([.one, .zero]), ComplexMatrix(dimension: 2, elements: [.zero, .one, .zero, .zero])!], q)
    }

    /// `Tr(ρP)` for one Pauli string: `Σ_c ρ[c, c⊕flip]·phase(c)`, with `P|c⟩ = phase(c)|c⊕flip⟩`.
    public func expectation(_ t: PauliSum.Term) -> Double {
        let flip = t.xMask | t.yMask, signMask = t.zMask | t.yMask
        var re = 0.0, im = 0.0
        for c in 0..<dimension {
            let v = self[c, c ^ flip]
            let s: Double = (c & signMask).nonzeroBitCount & 1 == 1 ? -1 : 1
            re += s * v.re; im += s * v.im
        }
        switch t.yMask.nonzeroBitCount & 3 {
        case 0: return re
        case 1: return -im
        case 2: return -re
        default: return im
        }
    }
}
