/// A density-matrix backend with a `NoiseModel` (exact channels, no sampling noise in
/// `probabilities`/`expectation`; up to 12 qubits by default, 13 at most).
///
/// After each gate: depolarizing (1- or 2-qubit), then amplitude and phase damping on each touched
/// qubit. `delay` applies idle noise for its duration. `run` samples the final diagonal and then
/// flips each measured bit with the readout probabilities; measurements must be terminal (reset is
/// allowed anywhere, as a channel).
public struct NoisySimulator: QuantumBackend, Sendable {
    /// The channels applied after gates and during delays; validated on every call.
    public var noise: NoiseModel
    /// Largest circuit accepted; the density matrix takes `16·4ⁿ` bytes and `DensityMatrix` caps n at 13.
    public var maxQubits: Int

    /// A density-matrix simulator; 12 qubits (256 MiB for ρ) by default.
    public init(noise: NoiseModel, maxQubits: Int = 12) {
        self.noise = noise
        self.maxQubits = maxQubits
    }

    /// The final density matrix.
    public func densityMatrix(_ circuit: Circuit) throws -> DensityMatrix {
        try noise.validate()
        guard circuit.numberOfQubits <= maxQubits else {
            throw QuantumError.unsupported("\(circuit.numberOfQubits) qubits exceeds the density-matrix limit of \(maxQubits)")
        }
        var rho = try DensityMatrix(qubits: max(circuit.numberOfQubits, 1))
        for ins in circuit.instructions {
            switch ins {
            case let .gate(g, qs):
                try rho.apply(g, qs)
                if qs.count == 2 { rho.depolarize(qs[0], qs[1], noise.depolarizing2) } else {
                    for q in qs { rho.depolarize(q, qs.count == 1 ? noise.depolarizing1 : noise.depolarizing2) }
                }
                for q in qs { rho.amplitudeDamp(q, noise.amplitudeDamping); rho.phaseDamp(q, noise.phaseDamping) }
            case let .delay(d, qs):
                let t = d.nanoseconds
                for q in qs {
                    if let t1 = noise.idleT1 { rho.amplitudeDamp(q, 1 - _exp(-t / t1)) }
                    if let tp = noise.idleTphi { rho.phaseDamp(q, 1 - _exp(-t / tp)) }
                    if let td = noise.idleTdepolarizing { rho.depolarize(q, 0.75 * (1 - _exp(-t / td))) }
                }
            case let .reset(q): rho.reset(q)
            case .measure, .barrier: continue
            }
        }
        return rho
    }

    /// Diagonal of ρ (before readout errors).
    public func probabilities(_ circuit: Circuit) throws -> [Double] { try densityMatrix(circuit).probabilities }

    /// Outcome probabilities of measuring every qubit (qubit q → bit q) including readout flips:
    /// the tensored confusion `⊗_q [[1−p01, p10], [p01, 1−p10]]` applied to the diagonal of ρ.
    public func measuredProbabilities(_ circuit: Circuit) throws -> [Double] {
        var p = try probabilities(circuit)
        for q in 0..<circuit.numberOfQubits {
            ReadoutMitigator.applyTwoByTwo(&p, q, [1 - noise.p01(q), noise.p10(q), noise.p01(q), 1 - noise.p10(q)])
        }
        return p
    }

    /// Exact `Tr(ρH) = Σ_k c_k Tr(ρP_k)` on the final noisy ρ (readout errors do not enter).
    /// - Throws: what `densityMatrix(_:)` throws. The observable must not span more qubits than the circuit
    ///   (unlike `StateVectorSimulator`, this is not checked here).
    public func expectation(of observable: PauliSum, in circuit: Circuit) throws -> Double {
        let rho = try densityMatrix(circuit)
        return observable.terms.reduce(0) { $0 + $1.coefficient * rho.expectation($1) }
    }

    /// Samples `shots` outcomes from the diagonal of the final ρ, then flips each measured bit with the
    /// readout probabilities; reproducible from `seed` (SplitMix64-based `SeededGenerator`).
    /// - Throws: `QuantumError.invalidArgument` if `shots ≤ 0`; `QuantumError.unsupported` if a qubit is used
    ///   again after being measured (only terminal measurements), plus what `densityMatrix(_:)` throws.
    public func run(_ circuit: Circuit, shots: Int, seed: UInt64) throws -> Counts {
        guard shots > 0 else { throw QuantumError.invalidArgument("shots must be positive, got \(shots)") }
        var seen = Set<Int>()
        for ins in circuit.instructions {
            if case let .measure(q, _) = ins { seen.insert(q); continue }
            if ins.qubits.contains(where: seen.contains) {
                if case .barrier = ins { continue }
                throw QuantumError.unsupported("NoisySimulator needs terminal measurements")
            }
        }
        let p = try probabilities(circuit)
        var rng = SeededGenerator(seed: seed)
        let measures = circuit.instructions.compactMap { ins -> (Int, Int)? in
            if case let .measure(q, c) = ins { return (q, c) } else { return nil }
        }
        var outcomes: [Int: Int] = [:]
        for idx in Sampling.sample(p, shots: shots, rng: &rng) {
            var v = 0
            for (q, c) in measures {
                var bit = (idx >> q) & 1
                let flip = bit == 0 ? noise.p01(q) : noise.p10(q)
                if flip > 0 && rng.uniform() < flip { bit ^= 1 }
                v = (v & ~(1 << c)) | (bit << c)
            }
            outcomes[v, default: 0] += 1
        }
        return Counts(numberOfClbits: circuit.numberOfClbits, outcomes: outcomes)
    }
}
