/// Errors of the QuantumBackend module. Every bad input (a malformed QASM file, an out-of-range
/// qubit, an unbound parameter, a malformed model file) surfaces as one of these, never a trap.
public enum QuantumError: Error, CustomStringConvertible, Equatable {
    /// A qubit or classical-bit index outside the circuit.
    case indexOutOfRange(what: String, index: Int, count: Int)
    /// A gate applied to repeated or wrongly many operands.
    case badOperands(gate: String, detail: String)
    /// A symbolic parameter without a value at execution time.
    case unboundParameter(String)
    /// A matrix that is not unitary (or has the wrong size) where a gate was expected.
    case notUnitary(detail: String)
    /// The backend cannot do this (for example ask an emitter for counts, or too many qubits).
    case unsupported(String)
    /// Malformed OpenQASM source, with 1-based line and column.
    case parse(line: Int, column: Int, message: String)
    /// An invalid argument (shots ≤ 0, negative probability, …).
    case invalidArgument(String)
    /// A file that cannot be read or has the wrong layout.
    case file(path: String, detail: String)

    /// One line naming the problem and its location, e.g. `qubit index 5 out of range 0..<3` or `3:14: …`
    /// for parse errors (line:column), `PATH: detail` for file errors.
    public var description: String {
        switch self {
        case let .indexOutOfRange(what, index, count): return "\(what) index \(index) out of range 0..<\(count)"
        case let .badOperands(gate, detail): return "gate \(gate): \(detail)"
        case let .unboundParameter(s): return "parameter '\(s)' has no value"
        case let .notUnitary(detail): return "not unitary: \(detail)"
        case let .unsupported(s): return "unsupported: \(s)"
        case let .parse(line, column, message): return "\(line):\(column): \(message)"
        case let .invalidArgument(s): return "invalid argument: \(s)"
        case let .file(path, detail): return "\(path): \(detail)"
        }
    }
}
