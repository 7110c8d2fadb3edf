/// The OpenQASM syntax tree that `QASMEmitter` builds from a `Circuit` and `QASMPrinter` prints
/// (build an AST, then print it — as Qiskit's qasm3 exporter does).
public struct QASMProgram: Hashable, Sendable {
    /// OpenQASM language version; the raw value is what follows `OPENQASM` in the header (`2.0` = Cross et al. 2017,
    /// `3.0` = Cross et al. 2022, ACM TQC 3(3)).
    public enum Version: String, Hashable, Sendable { case v2 = "2.0", v3 = "3.0" }

    /// An angle expression.
    public indirect enum Expression: Hashable, Sendable {
        /// A literal, printed as shortest round-trip decimal.
        case number(Double)
        /// A name: a symbolic parameter, a gate-definition parameter, or `pi`.
        case identifier(String)
        /// Unary minus.
        case negate(Expression)
        /// `lhs op rhs` with `op` one of `+ - * /`; printed with the minimal parentheses.
        case binary(Character, Expression, Expression)
        /// A function of one argument (`sin`, `cos`, `tan`, `exp`, `ln`, `sqrt`, `arcsin`, `arccos`, `arctan`).
        case call(String, Expression)
    }

    /// `name` or `name[index]`.
    public struct Operand: Hashable, Sendable {
        /// Register name (`q`, `c`) or, inside a gate body, a formal qubit argument.
        public var register: String
        /// Index into the register, or `nil` for the whole register / a formal argument.
        public var index: Int?
        /// `register[index]`, or just `register` without an index.
        public init(_ register: String, _ index: Int? = nil) { self.register = register; self.index = index }
    }

    /// One top-level or gate-body statement.
    public enum Statement: Hashable, Sendable {
        /// `// text` (single line; the text is not escaped).
        case comment(String)
        /// `qubit[size] name;` (3.0) or `qreg name[size];` (2.0).
        case qubitRegister(name: String, size: Int)
        /// `bit[size] name;` (3.0) or `creg name[size];` (2.0).
        case bitRegister(name: String, size: Int)
        /// OpenQASM 3 `input float[64] name;` for a symbolic parameter.
        case input(name: String)
        /// `gate name(params) qubits { body }`; the body holds only `gateCall`s.
        case gateDefinition(name: String, parameters: [String], qubits: [String], body: [Statement])
        /// `name(parameters) operands;`, a gate application (parameters omitted when empty).
        case gateCall(name: String, parameters: [Expression], operands: [Operand])
        /// `bit = measure qubit;` (3.0) or `measure qubit -> bit;` (2.0).
        case measure(qubit: Operand, bit: Operand)
        /// `reset operand;`: puts the qubit in |0⟩.
        case reset(Operand)
        /// `barrier operands;`: blocks reordering across it; no effect on the state.
        case barrier([Operand])
        /// `delay[duration] operands;` (3.0 only; printed as a comment for 2.0).
        case delay(DelayDuration, [Operand])
    }

    /// Language version that selects the printed syntax.
    public var version: Version
    /// Files named in `include "…";` lines, in order (e.g. `stdgates.inc`, `qelib1.inc`).
    public var includes: [String]
    /// The statements in program order.
    public var statements: [Statement]

    /// A program from its parts, unchecked (names and sizes are not validated).
    public init(version: Version, includes: [String], statements: [Statement]) {
        self.version = version
        self.includes = includes
        self.statements = statements
    }
}
