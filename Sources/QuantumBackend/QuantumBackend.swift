/// Anything a circuit can be handed to.
///
/// Executing backends (`StateVectorSimulator`, `NoisySimulator`) return sampled `Counts`;
/// job-emitting backends (`HardwareJobBackend`) throw `QuantumError.unsupported` from `run` and
/// produce a job file instead. The state queries have default implementations that throw
/// `QuantumError.unsupported`; backends that can answer them override them.
public protocol QuantumBackend {
    /// Samples `shots` outcomes of the circuit's measurements, reproducibly from `seed`.
    func run(_ circuit: Circuit, shots: Int, seed: UInt64) throws -> Counts
    /// The final state vector of the circuit's unitary part (measurements ignored), length 2ⁿ.
    func statevector(_ circuit: Circuit) throws -> [Complex]
    /// Born probabilities `|ψ_i|²` (or the diagonal of ρ) of the final state, length 2ⁿ.
    func probabilities(_ circuit: Circuit) throws -> [Double]
    /// `⟨ψ|H|ψ⟩` (or `Tr ρH`) for a Pauli sum `H`.
    func expectation(of observable: PauliSum, in circuit: Circuit) throws -> Double
}

extension QuantumBackend {
    /// Default for backends without state access: always throws `QuantumError.unsupported`.
    public func statevector(_ circuit: Circuit) throws -> [Complex] {
        throw QuantumError.unsupported("\(Self.self) does not provide state vectors")
    }
    /// Default for backends without state access: always throws `QuantumError.unsupported`.
    public func probabilities(_ circuit: Circuit) throws -> [Double] {
        throw QuantumError.unsupported("\(Self.self) does not provide probabilities")
    }
    /// Default for backends without state access: always throws `QuantumError.unsupported`.
    public func expectation(of observable: PauliSum, in circuit: Circuit) throws -> Double {
        throw QuantumError.unsupported("\(Self.self) does not provide expectation values")
    }
}
