/// Builds the OpenQASM syntax tree of a `Circuit` (then `QASMPrinter` prints it).
///
/// OpenQASM 3: `OPENQASM 3.0; include "stdgates.inc";`, `qubit[n] q; bit[m] c;`, `U(θ,φ,λ)` for `u`,
/// `c[i] = measure q[i];`, `delay[100ns] q[0];`, `input float[64] name;` for symbolic parameters.
/// OpenQASM 2: `include "qelib1.inc";`, `qreg`/`creg`, `u3`/`u1`/`cu1` for `u`/`p`/`cp`,
/// `measure q[i] -> c[i];`; delays become comments and symbolic parameters are rejected.
/// Gates outside the include file get a `gate` definition (for example `ecr`, `rzz`, `ryy`, IonQ's
/// `gpi`/`gpi2`/`ms`, and each arbitrary unitary via ZYZ / KAK). Definitions are exact except that
/// `sx`/`sxdg` (when defined) and arbitrary unitaries drop a global phase (OpenQASM 2 cannot state
/// one; `QASMEmitter.isPhaseExact` says when a file is exact).
public enum QASMEmitter {
    typealias E = QASMProgram.Expression
    typealias S = QASMProgram.Statement

    /// Gate names the include file provides, per version.
    static let std3: Set<String> = ["p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy", "cz",
                                    "cp", "crx", "cry", "crz", "swap", "ccx", "id", "U"]
    /// The original `qelib1.inc` (Cross et al. 2017), which every OpenQASM 2 reader knows.
    static let std2: Set<String> = ["u3", "u1", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "rx", "ry", "rz",
                                    "cz", "cy", "ccx", "crz", "cu1"]

    /// The syntax tree for `circuit`. Throws `unsupported` for symbolic parameters in OpenQASM 2.
    public static func program(_ circuit: Circuit, version: QASMProgram.Version) throws -> QASMProgram {
        var defs: [S] = []
        var defined = Set<String>()
        var unitaryNames: [ComplexMatrix: String] = [:]
        var body: [S] = []
        let names = circuit.parameterNames
        if version == .v2 && !names.isEmpty {
            throw QuantumError.unsupported("OpenQASM 2 has no free parameters (unbound: \(names.joined(separator: ", ")))")
        }
        body.append(.qubitRegister(name: "q", size: circuit.numberOfQubits))
        if circuit.numberOfClbits > 0 { body.append(.bitRegister(name: "c", size: circuit.numberOfClbits)) }
        func q(_ i: Int) -> QASMProgram.Operand { .init("q", i) }
        for ins in circuit.instructions {
            switch ins {
            case let .gate(g, qs):
                let name = try ensureDefinition(g, version, &defs, &defined, &unitaryNames)
                let params: [E]
                if case .unitary = g { params = [] } else { params = g.parameters.map(expression) }
                body.append(.gateCall(name: name, parameters: params, operands: qs.map(q)))
            case let .measure(qb, cb): body.append(.measure(qubit: q(qb), bit: .init("c", cb)))
            case let .reset(qb): body.append(.reset(q(qb)))
            case let .barrier(qs): body.append(.barrier(qs.map(q)))
            case let .delay(d, qs): body.append(.delay(d, qs.map(q)))
            }
        }
        let inputs: [S] = version == .v3 ? names.map { .input(name: $0) } : []
        return QASMProgram(version: version, includes: [version == .v3 ? "stdgates.inc" : "qelib1.inc"],
                           statements: inputs + defs + body)
    }

    /// Convenience: the printed program.
    public static func emit(_ circuit: Circuit, version: QASMProgram.Version) throws -> String {
        QASMPrinter.print(try program(circuit, version: version))
    }

    /// Whether the emitted file reproduces the circuit's state exactly, not only up to global phase.
    public static func isPhaseExact(_ circuit: Circuit, version: QASMProgram.Version) -> Bool {
        !circuit.instructions.contains {
            guard case let .gate(g, _) = $0 else { return false }
            switch g {
            case .unitary, .sxdg: return true
            case .sx: return version == .v2
            default: return false
            }
        }
    }

    /// An angle as an expression: a number, or `coefficient*symbol + offset`.
    static func expression(_ p: Parameter) -> E {
        guard let s = p.symbol else { return .number(p.offset) }
        var e: E = p.coefficient == 1 ? .identifier(s) : .binary("*", .number(p.coefficient), .identifier(s))
        if p.offset != 0 { e = .binary("+", e, .number(p.offset)) }
        return e
    }

    /// The name used for `g` in `version`, adding a definition to `defs` when the include lacks it.
    static func ensureDefinition(_ g: Gate, _ v: QASMProgram.Version, _ defs: inout [S], _ defined: inout Set<String>,
                                 _ unitaryNames: inout [ComplexMatrix: String]) throws -> String {
        let std = v == .v3 ? std3 : std2
        let name: String
        switch (g, v) {
        case (.u, .v3): return "U"
        case (.u, .v2): return "u3"
        case (.p, .v2): return "u1"
        case (.cp, .v2): return "cu1"
        case let (.unitary(m, _), _):
            if let n = unitaryNames[m] { return n }
            name = "unitary_\(unitaryNames.count)"
            unitaryNames[m] = name
            try define(name: name, params: [], qubits: m.dimension == 2 ? ["a"] : ["a", "b"], body: try unitaryBody(m, v),
                       v, &defs, &defined)
            return name
        default: name = g.name
        }
        if std.contains(name) || defined.contains(name) { return name }
        let a = E.identifier("a"), b = E.identifier("b")
        func call(_ n: String, _ p: [E], _ o: [String]) -> S { .gateCall(name: n, parameters: p, operands: o.map { .init($0) }) }
        let pi = E.identifier("pi")
        let u = v == .v3 ? "U" : "u3"
        func rzzBody(_ t: E) -> [S] { [call("cx", [], ["a", "b"]), call("rz", [t], ["b"]), call("cx", [], ["a", "b"])] }
        let theta = E.identifier("theta")
        switch g {
        case .sx: try define(name: name, params: [], qubits: ["a"], body: [call("sdg", [], ["a"]), call("h", [], ["a"]), call("sdg", [], ["a"])], v, &defs, &defined)
        case .swap: try define(name: name, params: [], qubits: ["a", "b"], body: [call("cx", [], ["a", "b"]), call("cx", [], ["b", "a"]), call("cx", [], ["a", "b"])], v, &defs, &defined)
        case .crx:
            // Qiskit's exact definition of CRX.
            let h = E.binary("/", theta, .number(2))
            try define(name: name, params: ["theta"], qubits: ["a", "b"],
                       body: [call(v == .v3 ? "p" : "u1", [.binary("/", pi, .number(2))], ["b"]), call("cx", [], ["a", "b"]),
                              call(u, [.negate(h), .number(0), .number(0)], ["b"]), call("cx", [], ["a", "b"]),
                              call(u, [h, .negate(.binary("/", pi, .number(2))), .number(0)], ["b"])], v, &defs, &defined)
        case .cry:
            let h = E.binary("/", theta, .number(2))
            try define(name: name, params: ["theta"], qubits: ["a", "b"],
                       body: [call("ry", [h], ["b"]), call("cx", [], ["a", "b"]), call("ry", [.negate(h)], ["b"]), call("cx", [], ["a", "b"])],
                       v, &defs, &defined)
        case .sxdg: try define(name: name, params: [], qubits: ["a"], body: [call("s", [], ["a"]), call("h", [], ["a"]), call("s", [], ["a"])], v, &defs, &defined)
        case .rzz: try define(name: name, params: ["theta"], qubits: ["a", "b"], body: rzzBody(theta), v, &defs, &defined)
        case .rxx:
            let hh = [call("h", [], ["a"]), call("h", [], ["b"])]
            try define(name: name, params: ["theta"], qubits: ["a", "b"], body: hh + rzzBody(theta) + hh, v, &defs, &defined)
        case .ryy:
            let pre = [call("rx", [.binary("/", pi, .number(2))], ["a"]), call("rx", [.binary("/", pi, .number(2))], ["b"])]
            let post = [call("rx", [.negate(.binary("/", pi, .number(2)))], ["a"]), call("rx", [.negate(.binary("/", pi, .number(2)))], ["b"])]
            try define(name: name, params: ["theta"], qubits: ["a", "b"], body: pre + rzzBody(theta) + post, v, &defs, &defined)
        case .ecr:
            let h = call("h", [], ["b"])
            let q4 = E.binary("/", pi, .number(4))
            try define(name: name, params: [], qubits: ["a", "b"],
                       body: [h] + rzzBody(q4) + [h, call("x", [], ["a"]), h] + rzzBody(.negate(q4)) + [h], v, &defs, &defined)
        case .gpi:
            let phi = E.identifier("phi")
            try define(name: name, params: ["phi"], qubits: ["a"], body: [call(u, [pi, phi, .binary("-", pi, phi)], ["a"])], v, &defs, &defined)
        case .gpi2:
            let phi = E.identifier("phi"), h = E.binary("/", pi, .number(2))
            try define(name: name, params: ["phi"], qubits: ["a"], body: [call(u, [h, .binary("-", phi, h), .binary("-", h, phi)], ["a"])], v, &defs, &defined)
        case .ms:
            let p0 = E.identifier("phi0"), p1 = E.identifier("phi1"), t = E.identifier("theta")
            let hh = [call("h", [], ["a"]), call("h", [], ["b"])]
            let angle = E.binary("*", .binary("*", .number(2), pi), t)
            let body = [call("rz", [.negate(p0)], ["a"]), call("rz", [.negate(p1)], ["b"])] + hh + rzzBody(angle) + hh
                + [call("rz", [p0], ["a"]), call("rz", [p1], ["b"])]
            try define(name: name, params: ["phi0", "phi1", "theta"], qubits: ["a", "b"], body: body, v, &defs, &defined)
        default:
            throw QuantumError.unsupported("no OpenQASM \(v.rawValue) definition for gate \(name)")
        }
        _ = (a, b)
        return name
    }

    static func define(name: String, params: [String], qubits: [String], body: [S], _ v: QASMProgram.Version,
                       _ defs: inout [S], _ defined: inout Set<String>) throws {
        // Make sure every gate the body calls exists (nested definitions first).
        for case let .gateCall(n, _, _) in body where !(v == .v3 ? std3 : std2).contains(n) && !defined.contains(n) {
            throw QuantumError.unsupported("definition of \(name) uses undefined gate \(n)")
        }
        defs.append(.gateDefinition(name: name, parameters: params, qubits: qubits, body: body))
        defined.insert(name)
    }

    /// A unitary's body: `U` for 1 qubit (ZYZ), the KAK circuit for 2 qubits. Global phase dropped.
    static func unitaryBody(_ m: ComplexMatrix, _ v: QASMProgram.Version) throws -> [S] {
        let u = v == .v3 ? "U" : "u3"
        let ops = ["a", "b"]
        func uCall(_ mm: ComplexMatrix, _ o: String) -> S {
            let d = OneQubitDecomposition(mm)
            return .gateCall(name: u, parameters: [.number(d.theta), .number(d.phi), .number(d.lambda)], operands: [.init(o)])
        }
        if m.dimension == 2 { return [uCall(m, "a")] }
        let k = try TwoQubitDecomposition(m)
        return k.circuit().map { g, qs in
            if case let .unitary(mm, _) = g { return uCall(mm, ops[qs[0]]) }
            return .gateCall(name: g.name, parameters: g.parameters.map(expression), operands: qs.map { .init(ops[$0]) })
        }
    }
}
