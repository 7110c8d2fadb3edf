/// A real linear combination of Pauli strings, `H = Σ_k c_k P_k`, e.g. an observable for
/// `QuantumBackend.expectation(of:)`.
public struct PauliSum: Hashable, Sendable {
    /// One term `coefficient · label`; `label` uses Qiskit's order: the rightmost letter acts on qubit 0.
    public struct Term: Hashable, Sendable {
        /// Real weight `c_k` of this Pauli string in the sum.
        public var coefficient: Double
        /// The Pauli string, one letter per qubit, rightmost = qubit 0. Mutating it does not update the masks
        /// (parsed once in `init`): build a new `Term` instead.
        public var label: String
        /// Bit masks of X, Y and Z letters (bit q = qubit q).
        public let xMask: Int, yMask: Int, zMask: Int
        /// Parses `label` (letters I, X, Y, Z); throws `QuantumError.invalidArgument` otherwise.
        public init(_ label: String, coefficient: Double = 1) throws {
            self.label = label
            self.coefficient = coefficient
            var x = 0, y = 0, z = 0
            for (q, ch) in label.reversed().enumerated() {
                switch ch {
                case "I": break
                case "X": x |= 1 << q
                case "Y": y |= 1 << q
                case "Z": z |= 1 << q
                default: throw QuantumError.invalidArgument("Pauli label '\(label)': letter '\(ch)' is not I/X/Y/Z")
                }
            }
            xMask = x; yMask = y; zMask = z
        }
        /// Number of qubits the label spans.
        public var width: Int { label.count }
    }

    /// The terms `c_k P_k`; repeated labels are allowed and simply add.
    public var terms: [Term]
    /// `H = Σ_k terms[k]`; an empty list is the zero operator.
    public init(_ terms: [Term]) { self.terms = terms }
    /// A single Pauli string.
    public init(_ label: String, coefficient: Double = 1) throws { terms = [try Term(label, coefficient: coefficient)] }
    /// Widest label.
    public var width: Int { terms.map(\.width).max() ?? 0 }
}
