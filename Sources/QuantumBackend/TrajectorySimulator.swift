/// Monte-Carlo wave-function ("quantum trajectories") backend for a `NoiseModel` (Dalibard, Castin
/// & Mølmer 1992): each trajectory evolves a pure state and, after every gate or delay, picks one Kraus
/// operator `K_k` of each channel with probability `p_k = ‖K_k ψ‖²` and renormalises.
///
/// The average of `|ψ⟩⟨ψ|` over trajectories is an unbiased estimate of `NoisySimulator`'s ρ, with
/// statistical error `O(1/√trajectories)`, at state-vector memory (up to 28 qubits instead of 12).
/// Mixed-unitary channels (depolarizing) are sampled without looking at the state; damping channels use
/// the qubit's reduced 2×2 density matrix. `run` uses one trajectory per shot, so mid-circuit
/// measurements and resets are exact in distribution.
public struct TrajectorySimulator: QuantumBackend, Sendable {
    /// The channels unravelled into trajectories; validated on every call.
    public var noise: NoiseModel
    /// Trajectories averaged by `probabilities` and `expectation`.
    public var trajectories: Int
    /// Seed of those averages (`run` takes its own).
    public var seed: UInt64

    /// A trajectory simulator averaging `trajectories` runs (statistical error ~ `1/√trajectories`) seeded by `seed`.
    /// Not validated here: `probabilities` and `expectation` throw if `trajectories ≤ 0`.
    public init(noise: NoiseModel, trajectories: Int = 1000, seed: UInt64 = 1) {
        self.noise = noise
        self.trajectories = trajectories
        self.seed = seed
    }

    static let paulis: [ComplexMatrix] = [Gate.x, .y, .z].map { (try? $0.matrix()) ?? .identity(2) }

    /// One trajectory; returns the final state and the classical bits written by measurements.
    func trajectory(_ c: Circuit, _ rng: inout SeededGenerator) throws -> (StateVector, Int) {
        var sv = try StateVector(qubits: c.numberOfQubits)
        var bits = 0
        func depolarize(_ q: Int, _ p: Double) {
            guard p > 0 else { return }
            let u = rng.uniform()
            if u < p { sv.applyStructured(TrajectorySimulator.paulis[min(Int(u / p * 3), 2)], q) }
        }
        func damp(_ q: Int, _ kraus: [ComplexMatrix]) {
            // Reduced density matrix of qubit q, then p_k = Tr(K ρ K†).
            var r00 = 0.0, r11 = 0.0, r01 = Complex.zero
            let s = 1 << q
            for i in 0..<sv.dimension where i & s == 0 {
                let a = Complex(sv.storage[2 * i], sv.storage[2 * i + 1]), b = Complex(sv.storage[2 * (i | s)], sv.storage[2 * (i | s) + 1])
                r00 += a.normSquared; r11 += b.normSquared; r01 += a * b.conjugate
            }
            let rho = ComplexMatrix(_unchecked: 2, [Complex(r00), r01, r01.conjugate, Complex(r11)])
            let u = rng.uniform()
            var acc = 0.0
            for (k, kk) in kraus.enumerated() {
                let m = kk * rho * kk.adjoint
                let p = m[0, 0].re + m[1, 1].re
                acc += p
                if u < acc || k == kraus.count - 1 {
                    guard p > 1e-300 else { continue }
                    sv.applyMatrix(Complex(1 / p.squareRoot()) * kk, q)
                    return
                }
            }
        }
        func amplitude(_ q: Int, _ g: Double) {
            guard g > 0 else { return }
            damp(q, [.diagonal([.one, Complex((1 - g).squareRoot())]), ComplexMatrix(_unchecked: 2, [.zero, Complex(g.squareRoot()), .zero, .zero])])
        }
        func phase(_ q: Int, _ l: Double) {
            guard l > 0 else { return }
            damp(q, [.diagonal([.one, Complex((1 - l).squareRoot())]), .diagonal([.zero, Complex(l.squareRoot())])])
        }
        for ins in c.instructions {
            switch ins {
            case let .gate(g, qs):
                try sv.apply(g, qs)
                if qs.count == 2 && noise.depolarizing2 > 0 {
                    let u = rng.uniform()
                    if u < noise.depolarizing2 {
                        let k = 1 + min(Int(u / noise.depolarizing2 * 15), 14)  // one of the 15 non-identity Paulis
                        if k % 4 > 0 { sv.applyStructured(TrajectorySimulator.paulis[k % 4 - 1], qs[0]) }
                        if k / 4 > 0 { sv.applyStructured(TrajectorySimulator.paulis[k / 4 - 1], qs[1]) }
                    }
                } else if qs.count != 2 {
                    for q in qs { depolarize(q, qs.count == 1 ? noise.depolarizing1 : noise.depolarizing2) }
                }
                for q in qs { amplitude(q, noise.amplitudeDamping); phase(q, noise.phaseDamping) }
            case let .delay(d, qs):
                let t = d.nanoseconds
                for q in qs {
                    if let t1 = noise.idleT1 { amplitude(q, 1 - _exp(-t / t1)) }
                    if let tp = noise.idleTphi { phase(q, 1 - _exp(-t / tp)) }
                    if let td = noise.idleTdepolarizing { depolarize(q, 0.75 * (1 - _exp(-t / td))) }
                }
            case let .measure(q, cb):
                var o = sv.measure(q, uniform: rng.uniform())
                let flip = o == 0 ? noise.p01(q) : noise.p10(q)
                if flip > 0 && rng.uniform() < flip { o ^= 1 }
                bits = (bits & ~(1 << cb)) | (o << cb)
            case let .reset(q): sv.reset(q, uniform: rng.uniform())
            case .barrier: continue
            }
        }
        return (sv, bits)
    }

    /// One trajectory per shot; each `measure` collapses the state by the Born rule and then applies the readout
    /// flip, so mid-circuit measurements and resets are sampled exactly in distribution. Reproducible from `seed`.
    /// - Throws: `QuantumError.invalidArgument` if `shots ≤ 0` or the noise model is invalid;
    ///   `QuantumError.unsupported` above 30 qubits; gate errors such as an unbound parameter.
    public func run(_ circuit: Circuit, shots: Int, seed: UInt64) throws -> Counts {
        try noise.validate()
        guard shots > 0 else { throw QuantumError.invalidArgument("shots must be positive, got \(shots)") }
        var rng = SeededGenerator(seed: seed)
        var outcomes: [Int: Int] = [:]
        for _ in 0..<shots { outcomes[try trajectory(circuit, &rng).1, default: 0] += 1 }
        return Counts(numberOfClbits: circuit.numberOfClbits, outcomes: outcomes)
    }

    /// Trajectory average of `|ψ_i|²` (measurements inside the circuit collapse each trajectory).
    public func probabilities(_ circuit: Circuit) throws -> [Double] {
        try noise.validate()
        guard trajectories > 0 else { throw QuantumError.invalidArgument("trajectories must be positive") }
        var rng = SeededGenerator(seed: seed)
        var acc = [Double](repeating: 0, count: 1 << circuit.numberOfQubits)
        for _ in 0..<trajectories {
            let p = try trajectory(circuit, &rng).0.probabilities
            for i in acc.indices { acc[i] += p[i] }
        }
        return acc.map { $0 / Double(trajectories) }
    }

    /// Trajectory average of `⟨ψ|H|ψ⟩`.
    public func expectation(of observable: PauliSum, in circuit: Circuit) throws -> Double {
        try noise.validate()
        guard trajectories > 0 else { throw QuantumError.invalidArgument("trajectories must be positive") }
        var rng = SeededGenerator(seed: seed)
        var total = 0.0
        for _ in 0..<trajectories {
            let sv = try trajectory(circuit, &rng).0
            total += observable.terms.reduce(0.0) { $0 + $1.coefficient * sv.expectation($1) }
        }
        return total / Double(trajectories)
    }
}
