/// A quantum circuit: `numberOfQubits` qubits starting in |0…0⟩, `numberOfClbits` classical bits
/// and an ordered list of instructions.
///
/// Qubit order is Qiskit's little-endian one: basis index `i = Σ_q b_q·2^q`, qubit 0 the least
/// significant bit; measured bit strings print classical bit `n−1` first.
/// Builders (`h(0)`, `cx(0, 1)`, …) check indices and throw `QuantumError` instead of trapping.
public struct Circuit: Hashable, Sendable {
    /// Number of qubits (≥ 0); every qubit operand must lie in `0..<numberOfQubits`.
    public private(set) var numberOfQubits: Int
    /// Number of classical bits (≥ 0); `measureAll()` raises it to at least `numberOfQubits`.
    public private(set) var numberOfClbits: Int
    /// The instructions in program order; every one was checked by `append(_:)` (arity, index range, no
    /// repeated operand, unitarity of custom matrices to 1e-8) unless added by an internal validity-preserving pass.
    public private(set) var instructions: [Instruction] = []

    /// An empty circuit. Negative sizes are clamped to 0.
    public init(qubits: Int, clbits: Int = 0) {
        numberOfQubits = max(qubits, 0)
        numberOfClbits = max(clbits, 0)
    }

    /// Appends an instruction after checking its operands.
    public mutating func append(_ ins: Instruction) throws {
        switch ins {
        case let .gate(g, qs):
            guard qs.count == g.arity else {
                throw QuantumError.badOperands(gate: g.name, detail: "expects \(g.arity) qubit(s), got \(qs.count)")
            }
            if case let .unitary(m, label) = g {
                guard m.dimension == 2 || m.dimension == 4, m.unitarityError < 1e-8 else {
                    throw QuantumError.notUnitary(detail: "\(label): \(m.dimension)×\(m.dimension), error \(m.unitarityError)")
                }
            }
            try checkQubits(qs, name: g.name)
        case let .measure(q, c):
            try checkQubits([q], name: "measure")
            guard c >= 0 && c < numberOfClbits else { throw QuantumError.indexOutOfRange(what: "clbit", index: c, count: numberOfClbits) }
        case let .barrier(qs): try checkQubits(qs, name: "barrier")
        case let .delay(d, qs):
            guard d.value >= 0, d.value.isFinite else { throw QuantumError.invalidArgument("delay \(d) must be finite and ≥ 0") }
            try checkQubits(qs, name: "delay")
        case let .reset(q): try checkQubits([q], name: "reset")
        }
        instructions.append(ins)
    }

    private func checkQubits(_ qs: [Int], name: String) throws {
        for q in qs where q < 0 || q >= numberOfQubits {
            throw QuantumError.indexOutOfRange(what: "qubit", index: q, count: numberOfQubits)
        }
        if Set(qs).count != qs.count { throw QuantumError.badOperands(gate: name, detail: "repeated qubit in \(qs)") }
    }

    /// Appends `gate` on `qubits`.
    public mutating func apply(_ gate: Gate, _ qubits: Int...) throws { try append(.gate(gate, qubits)) }
    /// Appends `gate` on `qubits`.
    public mutating func apply(_ gate: Gate, on qubits: [Int]) throws { try append(.gate(gate, qubits)) }
    /// Appends a Hadamard `H = (X + Z)/√2` on qubit `q`.
    /// - Throws: `QuantumError.indexOutOfRange` if `q` is not a qubit of this circuit.
    public mutating func h(_ q: Int) throws { try apply(.h, q) }
    /// Appends a Pauli-X (NOT) on qubit `q`.
    /// - Throws: `QuantumError.indexOutOfRange` if `q` is not a qubit of this circuit.
    public mutating func x(_ q: Int) throws { try apply(.x, q) }
    /// Appends a controlled-NOT with control `c` and target `t` (flips `t` when `c` is 1).
    /// - Throws: `QuantumError.indexOutOfRange` for an index outside the circuit, `QuantumError.badOperands` if `c == t`.
    public mutating func cx(_ c: Int, _ t: Int) throws { try apply(.cx, c, t) }
    /// Measures qubit `q` into clbit `c`.
    public mutating func measure(_ q: Int, _ c: Int) throws { try append(.measure(qubit: q, clbit: c)) }
    /// Adds classical bits if needed and measures qubit i into clbit i for every qubit.
    public mutating func measureAll() throws {
        numberOfClbits = max(numberOfClbits, numberOfQubits)
        for q in 0..<numberOfQubits { try measure(q, q) }
    }

    /// Appends every instruction of `other` (same or fewer qubits/clbits).
    public mutating func append(contentsOf other: Circuit) throws {
        for ins in other.instructions { try append(ins) }
    }

    /// The symbols named by gate parameters, sorted.
    public var parameterNames: [String] {
        var s = Set<String>()
        for case let .gate(g, _) in instructions { for p in g.parameters { if let n = p.symbol { s.insert(n) } } }
        return s.sorted()
    }

    /// The circuit with symbols replaced by values from `bindings` (missing symbols stay symbolic).
    public func bound(_ bindings: [String: Double]) -> Circuit {
        var c = self
        c.instructions = instructions.map {
            if case let .gate(g, q) = $0 { return .gate(g.bound(bindings), q) }
            return $0
        }
        return c
    }

    /// The gates only (barriers, delays, measurements and resets dropped).
    public var unitaryPart: Circuit {
        var c = Circuit(qubits: numberOfQubits, clbits: numberOfClbits)
        c.instructions = instructions.filter { if case .gate = $0 { return true } else { return false } }
        return c
    }

    /// The inverse of the unitary part: gates reversed and inverted. Throws when the circuit holds
    /// measurements or resets (not invertible); barriers and delays are kept in reverse order.
    public func inverse() throws -> Circuit {
        var c = Circuit(qubits: numberOfQubits, clbits: numberOfClbits)
        for ins in instructions.reversed() {
            switch ins {
            case let .gate(g, q): c.instructions.append(.gate(g.inverse, q))
            case .barrier, .delay: c.instructions.append(ins)
            case .measure, .reset: throw QuantumError.unsupported("inverse of a circuit with measure/reset")
            }
        }
        return c
    }

    /// Number of gate instructions.
    public var gateCount: Int { instructions.reduce(0) { if case .gate = $1 { return $0 + 1 }; return $0 } }

    /// Counts per gate name.
    public var gateCounts: [String: Int] {
        var d: [String: Int] = [:]
        for case let .gate(g, _) in instructions { d[g.name, default: 0] += 1 }
        return d
    }

    /// Internal: appends without checks (used by transformations that preserve validity).
    mutating func _appendUnchecked(_ ins: Instruction) { instructions.append(ins) }
    mutating func _setClbits(_ n: Int) { numberOfClbits = max(numberOfClbits, n) }
}
