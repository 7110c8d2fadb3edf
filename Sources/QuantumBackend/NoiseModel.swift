/// Noise for `NoisySimulator`, as quantum channels in Kraus form (Nielsen & Chuang §8.3):
///
/// - depolarizing `p`: `ρ → (1−p)ρ + p/3·(XρX + YρY + ZρZ)` after each 1-qubit gate; the 2-qubit
///   version `ρ → (1−p)ρ + p/15·Σ_{P≠II} PρP` after each 2-qubit gate (3-qubit gates: the 1-qubit
///   channel with `depolarizing2` on each qubit);
/// - amplitude damping `γ`: `K₀ = diag(1, √(1−γ))`, `K₁ = √γ·|0⟩⟨1|` and phase damping `λ`:
///   `K₀ = diag(1, √(1−λ))`, `K₁ = √λ·|1⟩⟨1|`, after every gate on each qubit it touches;
/// - idle noise during `delay(t)`: amplitude damping `γ = 1 − e^{−t/T₁}`, phase damping
///   `λ = 1 − e^{−t/T_φ}` and depolarizing `p = 1 − e^{−t/T_dep}` (times in ns; `nil` = none);
/// - readout flips: `P(read 1 | 0) = p01[q]`, `P(read 0 | 1) = p10[q]` (missing entries: 0).
public struct NoiseModel: Hashable, Sendable {
    /// Pauli error probability `p ∈ [0, 1]` of the 1-qubit depolarizing channel after every 1-qubit gate
    /// (X, Y, Z each with probability `p/3`).
    public var depolarizing1: Double = 0
    /// Pauli error probability `p ∈ [0, 1]` of the 2-qubit depolarizing channel after every 2-qubit gate (each of
    /// the 15 non-identity Pauli pairs with probability `p/15`; `p = 15/16` fully depolarizes). For 3-qubit gates
    /// it is used as the 1-qubit channel's `p` on each operand.
    public var depolarizing2: Double = 0
    /// Amplitude-damping `γ ∈ [0, 1]` (probability of |1⟩ decaying to |0⟩) applied to each operand after every gate.
    public var amplitudeDamping: Double = 0
    /// Phase-damping `λ ∈ [0, 1]` applied to each operand after every gate; it scales coherences `ρ₀₁` by `√(1−λ)`.
    public var phaseDamping: Double = 0
    /// Energy-relaxation time T₁ in nanoseconds for `delay`s: amplitude damping `γ = 1 − e^{−t/T₁}`; `nil` = none.
    public var idleT1: Double? = nil
    /// Pure-dephasing time T_φ in nanoseconds for `delay`s: phase damping `λ = 1 − e^{−t/T_φ}`; `nil` = none.
    public var idleTphi: Double? = nil
    /// Depolarizing time constant in nanoseconds for `delay`s. Both simulators apply the 1-qubit channel with Pauli
    /// error probability `p = ¾·(1 − e^{−t/T_dep})`, so the Bloch vector shrinks by `e^{−t/T_dep}`; `nil` = none.
    public var idleTdepolarizing: Double? = nil
    /// Per-qubit readout flip `P(read 1 | state 0)`, indexed by qubit, each in [0, 0.5); missing entries mean 0.
    public var readoutP01: [Double] = []
    /// Per-qubit readout flip `P(read 0 | state 1)`, indexed by qubit, each in [0, 0.5); missing entries mean 0.
    public var readoutP10: [Double] = []

    /// A noise model from its parameters (see the properties for meaning and units). Nothing is checked here;
    /// `validate()` (called by the simulators) throws on out-of-range values.
    public init(depolarizing1: Double = 0, depolarizing2: Double = 0, amplitudeDamping: Double = 0, phaseDamping: Double = 0,
                idleT1: Double? = nil, idleTphi: Double? = nil, idleTdepolarizing: Double? = nil,
                readoutP01: [Double] = [], readoutP10: [Double] = []) {
        self.depolarizing1 = depolarizing1
        self.depolarizing2 = depolarizing2
        self.amplitudeDamping = amplitudeDamping
        self.phaseDamping = phaseDamping
        self.idleT1 = idleT1
        self.idleTphi = idleTphi
        self.idleTdepolarizing = idleTdepolarizing
        self.readoutP01 = readoutP01
        self.readoutP10 = readoutP10
    }

    /// No noise at all.
    public static let ideal = NoiseModel()

    /// Throws `invalidArgument` unless every probability is in [0, 1] and every time positive.
    public func validate() throws {
        for (n, p) in [("depolarizing1", depolarizing1), ("depolarizing2", depolarizing2),
                       ("amplitudeDamping", amplitudeDamping), ("phaseDamping", phaseDamping)] where !(p >= 0 && p <= 1) {
            throw QuantumError.invalidArgument("\(n) = \(p) is not a probability")
        }
        for p in readoutP01 + readoutP10 where !(p >= 0 && p < 0.5) {
            throw QuantumError.invalidArgument("readout flip probability \(p) must be in [0, 0.5)")
        }
        for t in [idleT1, idleTphi, idleTdepolarizing].compactMap({ $0 }) where !(t > 0) {
            throw QuantumError.invalidArgument("idle time constant \(t) must be positive")
        }
    }

    func p01(_ q: Int) -> Double { q < readoutP01.count ? readoutP01[q] : 0 }
    func p10(_ q: Int) -> Double { q < readoutP10.count ? readoutP10[q] : 0 }
}
