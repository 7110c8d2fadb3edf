/// The ideal (noise-free) backend: evolves a complex Float64 state vector gate by gate.
///
/// With `fusion` on, runs of consecutive 1-qubit gates on the same qubit are multiplied into one
/// 2×2 matrix before touching the state (one memory pass instead of several); the fused matrix then
/// goes to the diagonal / anti-diagonal / general kernel according to its zeros.
/// `run` samples all shots from one final distribution when every measurement is terminal, and
/// otherwise simulates each shot separately (mid-circuit measurement, reset), collapsing the state.
public struct StateVectorSimulator: QuantumBackend, Sendable {
    /// Whether runs of 1-qubit gates on a qubit are multiplied into one 2×2 matrix before being applied (same
    /// result up to Float64 rounding, fewer passes over the state). Only `state(_:bindings:)` fuses.
    public var fusion: Bool
    /// Largest number of qubits accepted (memory: 16·2ⁿ bytes).
    public var maxQubits: Int
    /// Threads for the 1-qubit kernels on states of ≥ 2¹⁶ amplitudes (see `StateVector.threads`).
    public var threads: Int

    /// A simulator; 28 qubits (4 GiB of state) by default. `threads` below 1 is raised to 1.
    public init(fusion: Bool = true, maxQubits: Int = 28, threads: Int = 1) {
        self.fusion = fusion
        self.maxQubits = maxQubits
        self.threads = max(threads, 1)
    }

    /// Final state of the unitary part of `circuit` (measurements, barriers, delays skipped; a
    /// reset throws `unsupported`, since it is not a pure-state map).
    public func state(_ circuit: Circuit, bindings: [String: Double] = [:]) throws -> StateVector {
        guard circuit.numberOfQubits <= maxQubits else {
            throw QuantumError.unsupported("\(circuit.numberOfQubits) qubits exceeds this simulator's limit of \(maxQubits)")
        }
        var sv = try StateVector(qubits: circuit.numberOfQubits)
        sv.threads = threads
        var pending = [ComplexMatrix?](repeating: nil, count: circuit.numberOfQubits)
        func flush(_ q: Int) {
            if let m = pending[q] { sv.applyStructured(m, q); pending[q] = nil }
        }
        for ins in circuit.instructions {
            switch ins {
            case let .gate(g, qs):
                if fusion && qs.count == 1 {
                    let m = try g.matrix(bindings)
                    pending[qs[0]] = pending[qs[0]].map { m * $0 } ?? m
                } else {
                    for q in qs { flush(q) }
                    try sv.apply(g, qs, bindings: bindings)
                }
            case .reset: throw QuantumError.unsupported("reset in a pure-state evolution; use run(_:shots:seed:)")
            case .measure, .barrier, .delay: continue
            }
        }
        for q in 0..<circuit.numberOfQubits { flush(q) }
        return sv
    }

    /// The final amplitudes `ψ_i` of the unitary part (see `state(_:bindings:)` for what throws).
    public func statevector(_ circuit: Circuit) throws -> [Complex] { try state(circuit).amplitudes }
    /// Born probabilities `|ψ_i|²` of the final state of the unitary part (see `state(_:bindings:)` for what throws).
    public func probabilities(_ circuit: Circuit) throws -> [Double] { try state(circuit).probabilities }

    /// Exact `⟨ψ|H|ψ⟩ = Σ_k c_k⟨ψ|P_k|ψ⟩` on the final state, no sampling.
    /// - Throws: `QuantumError.invalidArgument` if the observable spans more qubits than the circuit, plus what
    ///   `state(_:bindings:)` throws.
    public func expectation(of observable: PauliSum, in circuit: Circuit) throws -> Double {
        guard observable.width <= circuit.numberOfQubits else {
            throw QuantumError.invalidArgument("observable spans \(observable.width) qubits, circuit has \(circuit.numberOfQubits)")
        }
        let sv = try state(circuit)
        return observable.terms.reduce(0) { $0 + $1.coefficient * sv.expectation($1) }
    }

    /// Whether every measurement is the last operation on its qubit and there is no reset.
    static func measurementsAreTerminal(_ c: Circuit) -> Bool {
        var measured = Set<Int>()
        for ins in c.instructions {
            switch ins {
            case .reset: return false
            case let .measure(q, _): measured.insert(q)
            case let .gate(_, qs): if qs.contains(where: measured.contains) { return false }
            case .barrier, .delay: continue
            }
        }
        return true
    }

    /// Samples `shots` outcomes, reproducible from `seed`: from one final distribution when every measurement is
    /// terminal, otherwise shot by shot with state collapse (exact in distribution for mid-circuit measurement and
    /// reset). Unmeasured classical bits read 0.
    /// - Throws: `QuantumError.invalidArgument` if `shots ≤ 0`; `QuantumError.unsupported` above `maxQubits`
    ///   (terminal case) or 30 qubits; `QuantumError.unboundParameter` for a symbolic angle.
    public func run(_ circuit: Circuit, shots: Int, seed: UInt64) throws -> Counts {
        guard shots > 0 else { throw QuantumError.invalidArgument("shots must be positive, got \(shots)") }
        var rng = SeededGenerator(seed: seed)
        var outcomes: [Int: Int] = [:]
        if StateVectorSimulator.measurementsAreTerminal(circuit) {
            let p = try state(circuit).probabilities
            let measures = circuit.instructions.compactMap { ins -> (Int, Int)? in
                if case let .measure(q, c) = ins { return (q, c) } else { return nil }
            }
            for idx in Sampling.sample(p, shots: shots, rng: &rng) {
                var v = 0
                for (q, c) in measures { v = (v & ~(1 << c)) | (((idx >> q) & 1) << c) }
                outcomes[v, default: 0] += 1
            }
        } else {
            for _ in 0..<shots {
                var sv = try StateVector(qubits: circuit.numberOfQubits)
                var v = 0
                for ins in circuit.instructions {
                    switch ins {
                    case let .gate(g, qs): try sv.apply(g, qs)
                    case let .measure(q, c):
                        let o = sv.measure(q, uniform: rng.uniform())
                        v = (v & ~(1 << c)) | (o << c)
                    case let .reset(q): sv.reset(q, uniform: rng.uniform())
                    case .barrier, .delay: continue
                    }
                }
                outcomes[v, default: 0] += 1
            }
        }
        return Counts(numberOfClbits: circuit.numberOfClbits, outcomes: outcomes)
    }
}
