/// Prints a `QASMProgram` as OpenQASM 2.0 or 3.0 text.
///
/// Numbers are printed with Swift's shortest round-trip representation (always with a decimal
/// point, so OpenQASM 2 readers accept them): parsing the text gives back the same Float64 bits.
public enum QASMPrinter {
    /// The program as OpenQASM text: the `OPENQASM 2.0;`/`3.0;` header, `include` lines, then one statement per
    /// line in the version's syntax (`qreg`/`creg` vs `qubit[n]`/`bit[n]`, `measure q -> c` vs `c = measure q`;
    /// a delay becomes a comment in 2.0, which has none). Comment text is written verbatim.
    public static func print(_ p: QASMProgram) -> String {
        var out = "OPENQASM \(p.version.rawValue);\n"
        for inc in p.includes { out += "include \"\(inc)\";\n" }
        for s in p.statements { out += statement(s, p.version, indent: "") }
        return out
    }

    static func statement(_ s: QASMProgram.Statement, _ v: QASMProgram.Version, indent: String) -> String {
        switch s {
        case let .comment(t): return indent + "// " + t + "\n"
        case let .qubitRegister(name, size): return v == .v3 ? "qubit[\(size)] \(name);\n" : "qreg \(name)[\(size)];\n"
        case let .bitRegister(name, size): return v == .v3 ? "bit[\(size)] \(name);\n" : "creg \(name)[\(size)];\n"
        case let .input(name): return "input float[64] \(name);\n"
        case let .gateDefinition(name, params, qubits, body):
            var t = "gate \(name)"
            if !params.isEmpty { t += "(" + params.joined(separator: ", ") + ")" }
            t += " " + qubits.joined(separator: ", ") + " {\n"
            for b in body { t += statement(b, v, indent: indent + "  ") }
            return t + "}\n"
        case let .gateCall(name, params, operands):
            var t = indent + name
            if !params.isEmpty { t += "(" + params.map(expression).joined(separator: ", ") + ")" }
            return t + " " + operands.map(operand).joined(separator: ", ") + ";\n"
        case let .measure(q, c):
            return v == .v3 ? indent + "\(operand(c)) = measure \(operand(q));\n" : indent + "measure \(operand(q)) -> \(operand(c));\n"
        case let .reset(q): return indent + "reset \(operand(q));\n"
        case let .barrier(qs): return indent + "barrier " + qs.map(operand).joined(separator: ", ") + ";\n"
        case let .delay(d, qs):
            if v == .v2 { return indent + "// delay[\(d)] " + qs.map(operand).joined(separator: ", ") + " (OpenQASM 2 has no delay)\n" }
            return indent + "delay[\(d)] " + qs.map(operand).joined(separator: ", ") + ";\n"
        }
    }

    static func operand(_ o: QASMProgram.Operand) -> String {
        o.index.map { "\(o.register)[\($0)]" } ?? o.register
    }

    /// Prints an expression with minimal parentheses.
    public static func expression(_ e: QASMProgram.Expression) -> String {
        switch e {
        case let .number(x): return number(x)
        case let .identifier(s): return s
        case let .call(f, x): return f + "(" + expression(x) + ")"
        case let .negate(x):
            if case .binary = x { return "-(" + expression(x) + ")" }
            return "-" + expression(x)
        case let .binary(op, l, r):
            func wrap(_ x: QASMProgram.Expression, right: Bool) -> String {
                if case let .binary(o2, _, _) = x {
                    let low = (o2 == "+" || o2 == "-")
                    if (op == "*" || op == "/") && low { return "(" + expression(x) + ")" }
                    if right && (op == "-" || op == "/") { return "(" + expression(x) + ")" }
                }
                if case .negate = x, right { return "(" + expression(x) + ")" }
                if case let .number(v) = x, right, v < 0 { return "(" + expression(x) + ")" }
                return expression(x)
            }
            return wrap(l, right: false) + " \(op) " + wrap(r, right: true)
        }
    }

    /// Shortest round-trip decimal with a decimal point (`1.0e-05`, not `1e-05`).
    public static func number(_ x: Double) -> String {
        var s = "\(x)"
        if !s.contains(".") {
            if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) { s.insert(contentsOf: ".0", at: e) } else { s += ".0" }
        }
        return s
    }
}
