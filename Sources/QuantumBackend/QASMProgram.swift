/// The OpenQASM syntax tree that `QASMEmitter` builds from a `Circuit` and `QASMPrinter` prints
/// (build an AST, then print it — as Qiskit's qasm3 exporter does).
public struct QASMProgram: Hashable, Sendable {
    public enum Version: String, Hashable, Sendable { case v2 = "2.0", v3 = "3.0" }

    /// An angle expression.
    public indirect enum Expression: Hashable, Sendable {
        case number(Double)
        case identifier(String)
        case negate(Expression)
        case binary(Character, Expression, Expression)
        /// A function of one argument (`sin`, `cos`, `tan`, `exp`, `ln`, `sqrt`, `arcsin`, `arccos`, `arctan`).
        case call(String, Expression)
    }

    /// `name` or `name[index]`.
    public struct Operand: Hashable, Sendable {
        public var register: String
        public var index: Int?
        public init(_ register: String, _ index: Int? = nil) { self.register = register; self.index = index }
    }

    public enum Statement: Hashable, Sendable {
        case comment(String)
        case qubitRegister(name: String, size: Int)
        case bitRegister(name: String, size: Int)
        /// OpenQASM 3 `input float[64] name;` for a symbolic parameter.
        case input(name: String)
        /// `gate name(params) qubits { body }`; the body holds only `gateCall`s.
        case gateDefinition(name: String, parameters: [String], qubits: [String], body: [Statement])
        case gateCall(name: String, parameters: [Expression], operands: [Operand])
        case measure(qubit: Operand, bit: Operand)
        case reset(Operand)
        case barrier([Operand])
        case delay(DelayDuration, [Operand])
    }

    public var version: Version
    public var includes: [String]
    public var statements: [Statement]

    public init(version: Version, includes: [String], statements: [Statement]) {
        self.version = version
        self.includes = includes
        self.statements = statements
    }
}
