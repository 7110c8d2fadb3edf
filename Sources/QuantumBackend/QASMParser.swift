#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads OpenQASM 2.0 and the OpenQASM 3 subset `QASMEmitter` writes into a `Circuit`.
///
/// Supported: `OPENQASM`, `include "qelib1.inc" | "stdgates.inc"`, `qreg/creg`, `qubit[n]/bit[n]`
/// (several registers, flattened in declaration order), `input float[64] x;` (becomes a symbolic
/// `Parameter`), `gate` definitions (expanded on use), every gate of both include files that maps
/// onto `Gate` (plus `U`, `CX`, `u1/u2/u3`, `cu1`, `phase`, `cphase`, `ch`, `cswap`), register
/// broadcasting, `measure a -> b;` and `b = measure a;`, `reset`, `barrier`, `delay[…]`, `gphase`
/// (ignored: a global phase). Angle expressions: numbers, `pi`/`π`/`tau`/`euler`, parameters,
/// `+ − * / ^`, and `sin cos tan exp ln sqrt arcsin arccos arctan` of constants; expressions in an
/// `input` must stay affine. Anything else gives `QuantumError.parse(line:column:message:)`.
public struct QASMParser {
    typealias Tok = QASMLexer.Token
    typealias Expr = QASMProgram.Expression

    struct BodyCall {
        var name: String
        var params: [Expr]
        var operands: [Int]
        var line: Int, column: Int
    }
    struct Definition {
        var params: [String]
        var arity: Int
        var body: [BodyCall]
    }
    struct Register { var name: String; var offset: Int; var size: Int }

    var tokens: [Tok]
    var pos = 0
    var qregs: [Register] = []
    var cregs: [Register] = []
    var inputs = Set<String>()
    var definitions: [String: Definition] = [:]
    var circuitOps: [(Instruction, Int, Int)] = []
    var expanded = 0
    /// Expansion limit (gate definitions can nest exponentially).
    public static let maxInstructions = 5_000_000
    /// Largest register size accepted.
    public static let maxRegisterSize = 1 << 20

    /// Parses `source` into a circuit. Never traps on malformed input.
    public static func parse(_ source: String) throws -> Circuit {
        var p = QASMParser(tokens: try QASMLexer.tokenize(source))
        try p.program()
        var c = Circuit(qubits: p.qregs.reduce(0) { $0 + $1.size }, clbits: p.cregs.reduce(0) { $0 + $1.size })
        for (ins, l, col) in p.circuitOps {
            do { try c.append(ins) } catch let e as QuantumError { throw QuantumError.parse(line: l, column: col, message: e.description) }
        }
        return c
    }

    // MARK: - Token helpers

    var current: Tok { tokens[min(pos, tokens.count - 1)] }
    func fail(_ msg: String, _ t: Tok? = nil) -> QuantumError {
        let t = t ?? current
        return QuantumError.parse(line: t.line, column: t.column, message: msg)
    }
    func describe(_ k: QASMLexer.Kind) -> String {
        switch k {
        case let .identifier(s): return "'\(s)'"
        case let .number(v): return "number \(v)"
        case let .string(s): return "\"\(s)\""
        case let .symbol(s): return "'\(s)'"
        case .end: return "end of file"
        }
    }
    mutating func next() -> Tok { let t = current; if pos < tokens.count - 1 { pos += 1 }; return t }
    func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }
    func isIdent(_ s: String) -> Bool { current.kind == .identifier(s) }
    mutating func expect(_ s: String) throws {
        guard isSymbol(s) else { throw fail("expected '\(s)', found \(describe(current.kind))") }
        _ = next()
    }
    mutating func identifier(_ what: String = "identifier") throws -> String {
        guard case let .identifier(s) = current.kind else { throw fail("expected \(what), found \(describe(current.kind))") }
        _ = next()
        return s
    }
    mutating func integer(_ what: String) throws -> Int {
        let t = current
        guard case let .number(v) = t.kind, v >= 0, v == v.rounded(), v <= Double(QASMParser.maxRegisterSize) else {
            throw fail("expected a non-negative integer \(what), found \(describe(t.kind))")
        }
        _ = next()
        return Int(v)
    }

    // MARK: - Program

    mutating func program() throws {
        if isIdent("OPENQASM") {
            _ = next()
            let t = next()
            guard case let .number(v) = t.kind, v == 2 || v == 3 else { throw fail("unsupported OpenQASM version \(describe(t.kind))", t) }
            try expect(";")
        }
        while current.kind != .end { try statement() }
    }

    mutating func statement() throws {
        let t = current
        guard case let .identifier(word) = t.kind else { throw fail("expected a statement, found \(describe(t.kind))") }
        switch word {
        case "include":
            _ = next()
            let s = next()
            guard case let .string(file) = s.kind else { throw fail("expected a file name string", s) }
            guard file == "qelib1.inc" || file == "stdgates.inc" else { throw fail("cannot include \"\(file)\" (only qelib1.inc and stdgates.inc)", s) }
            try expect(";")
        case "qreg", "creg":
            _ = next()
            let name = try identifier("register name")
            try expect("[")
            let n = try integer("register size")
            try expect("]")
            try expect(";")
            try declare(name, n, quantum: word == "qreg", t)
        case "qubit", "bit":
            _ = next()
            var n = 1
            if isSymbol("[") { _ = next(); n = try integer("register size"); try expect("]") }
            let name = try identifier("register name")
            try expect(";")
            try declare(name, n, quantum: word == "qubit", t)
        case "input":
            _ = next()
            let ty = try identifier("type")
            guard ty == "float" || ty == "angle" else { throw fail("input type '\(ty)' unsupported (use float)", t) }
            if isSymbol("[") { _ = next(); _ = try integer("width"); try expect("]") }
            let name = try identifier("input name")
            try expect(";")
            inputs.insert(name)
        case "gate": try gateDefinition()
        case "measure":
            _ = next()
            let q = try operand()
            try expect("->")
            let c = try operand()
            try expect(";")
            try addMeasure(q, c, t)
        case "reset":
            _ = next()
            let q = try operand()
            try expect(";")
            for i in try resolve(q, qregs, t) { circuitOps.append((.reset(i), t.line, t.column)) }
        case "barrier":
            _ = next()
            var qs: [Int] = []
            if !isSymbol(";") {
                repeat { qs += try resolve(try operand(), qregs, t) } while try consumeComma()
            } else { qs = Array(0..<qregs.reduce(0) { $0 + $1.size }) }
            try expect(";")
            circuitOps.append((.barrier(qs), t.line, t.column))
        case "delay":
            _ = next()
            try expect("[")
            let nt = next()
            guard case let .number(v) = nt.kind else { throw fail("expected a duration", nt) }
            let ut = next()
            guard case let .identifier(us) = ut.kind, let unit = DelayDuration.Unit(rawValue: us == "µs" ? "us" : us) else {
                throw fail("expected a time unit (ns, us, ms, s, dt)", ut)
            }
            try expect("]")
            var qs: [Int] = []
            repeat { qs += try resolve(try operand(), qregs, t) } while try consumeComma()
            try expect(";")
            circuitOps.append((.delay(DelayDuration(v, unit), qs), t.line, t.column))
        case "gphase":
            _ = next()
            try expect("(")
            _ = try expression(0)
            try expect(")")
            try expect(";")
        case "opaque", "if", "for", "while", "def", "defcal", "cal", "let", "const", "output", "ctrl", "inv", "pow", "box":
            throw fail("'\(word)' is not supported by this reader", t)
        default:
            // `c[i] = measure q[i];` or a gate call.
            if cregs.contains(where: { $0.name == word }) {
                let c = try operand()
                try expect("=")
                guard isIdent("measure") else { throw fail("expected 'measure' after '='") }
                _ = next()
                let q = try operand()
                try expect(";")
                try addMeasure(q, c, t)
            } else {
                try gateCall()
            }
        }
    }

    mutating func consumeComma() throws -> Bool {
        if isSymbol(",") { _ = next(); return true }
        return false
    }

    mutating func declare(_ name: String, _ n: Int, quantum: Bool, _ t: Tok) throws {
        guard !(qregs + cregs).contains(where: { $0.name == name }) else { throw fail("register '\(name)' declared twice", t) }
        if quantum {
            qregs.append(Register(name: name, offset: qregs.reduce(0) { $0 + $1.size }, size: n))
            guard qregs.reduce(0, { $0 + $1.size }) <= 64 else { throw fail("more than 64 qubits declared", t) }
        } else {
            cregs.append(Register(name: name, offset: cregs.reduce(0) { $0 + $1.size }, size: n))
            guard cregs.reduce(0, { $0 + $1.size }) <= 64 else { throw fail("more than 64 classical bits declared", t) }
        }
    }

    mutating func operand() throws -> (String, Int?, Tok) {
        let t = current
        let name = try identifier("register name")
        if isSymbol("[") {
            _ = next()
            let i = try integer("index")
            try expect("]")
            return (name, i, t)
        }
        return (name, nil, t)
    }

    func resolve(_ o: (String, Int?, Tok), _ regs: [Register], _ at: Tok) throws -> [Int] {
        guard let r = regs.first(where: { $0.name == o.0 }) else { throw fail("unknown register '\(o.0)'", o.2) }
        if let i = o.1 {
            guard i < r.size else { throw fail("index \(i) out of range for \(r.name)[\(r.size)]", o.2) }
            return [r.offset + i]
        }
        return (0..<r.size).map { r.offset + $0 }
    }

    mutating func addMeasure(_ q: (String, Int?, Tok), _ c: (String, Int?, Tok), _ t: Tok) throws {
        let qs = try resolve(q, qregs, t), cs = try resolve(c, cregs, t)
        guard qs.count == cs.count else { throw fail("measure: \(qs.count) qubit(s) into \(cs.count) bit(s)", t) }
        for (a, b) in zip(qs, cs) { circuitOps.append((.measure(qubit: a, clbit: b), t.line, t.column)) }
    }

    // MARK: - Gates

    mutating func gateDefinition() throws {
        let t = next()
        let name = try identifier("gate name")
        var params: [String] = []
        if isSymbol("(") {
            _ = next()
            if !isSymbol(")") { repeat { params.append(try identifier("parameter name")) } while try consumeComma() }
            try expect(")")
        }
        var qargs: [String] = []
        repeat { qargs.append(try identifier("qubit argument")) } while try consumeComma()
        guard Set(qargs).count == qargs.count else { throw fail("repeated qubit argument in gate \(name)", t) }
        try expect("{")
        var body: [BodyCall] = []
        while !isSymbol("}") {
            let bt = current
            guard case let .identifier(g) = bt.kind else { throw fail("expected a gate call in the body of \(name), found \(describe(bt.kind))") }
            _ = next()
            if g == "barrier" {
                while !isSymbol(";") && current.kind != .end { _ = next() }
                try expect(";")
                continue
            }
            var ps: [Expr] = []
            if isSymbol("(") {
                _ = next()
                if !isSymbol(")") { repeat { ps.append(try expression(0)) } while try consumeComma() }
                try expect(")")
            }
            var ops: [Int] = []
            repeat {
                let ot = current
                let a = try identifier("qubit argument")
                guard let k = qargs.firstIndex(of: a) else { throw fail("'\(a)' is not an argument of gate \(name)", ot) }
                ops.append(k)
            } while try consumeComma()
            try expect(";")
            if g == "gphase" { continue }
            guard definitions[g] != nil || QASMParser.builtinArity(g) != nil else { throw fail("unknown gate '\(g)' in the body of \(name)", bt) }
            body.append(BodyCall(name: g, params: ps, operands: ops, line: bt.line, column: bt.column))
        }
        try expect("}")
        definitions[name] = Definition(params: params, arity: qargs.count, body: body)
    }

    mutating func gateCall() throws {
        let t = next()
        guard case let .identifier(name) = t.kind else { throw fail("expected a gate name", t) }
        var ps: [Expr] = []
        if isSymbol("(") {
            _ = next()
            if !isSymbol(")") { repeat { ps.append(try expression(0)) } while try consumeComma() }
            try expect(")")
        }
        var groups: [[Int]] = []
        repeat { groups.append(try resolve(try operand(), qregs, t)) } while try consumeComma()
        try expect(";")
        let width = groups.map(\.count).max() ?? 1
        guard groups.allSatisfy({ $0.count == 1 || $0.count == width }) else { throw fail("register sizes differ in broadcast of \(name)", t) }
        let values = try ps.map { try evaluate($0, [:], t) }
        for k in 0..<width {
            try apply(name, values, groups.map { $0.count == 1 ? $0[0] : $0[k] }, t, depth: 0)
        }
    }

    mutating func apply(_ name: String, _ ps: [Parameter], _ qs: [Int], _ t: Tok, depth: Int) throws {
        guard depth < 64 else { throw fail("gate definitions nested too deeply", t) }
        if let d = definitions[name] {
            guard ps.count == d.params.count else { throw fail("gate \(name) takes \(d.params.count) parameter(s), got \(ps.count)", t) }
            guard qs.count == d.arity else { throw fail("gate \(name) takes \(d.arity) qubit(s), got \(qs.count)", t) }
            let env = Dictionary(uniqueKeysWithValues: zip(d.params, ps))
            for b in d.body {
                let at = Tok(kind: .identifier(b.name), line: b.line, column: b.column)
                let vals = try b.params.map { try evaluate($0, env, at) }
                try apply(b.name, vals, b.operands.map { qs[$0] }, at, depth: depth + 1)
            }
            return
        }
        guard let (np, nq) = QASMParser.builtinArity(name) else { throw fail("unknown gate '\(name)'", t) }
        guard ps.count == np else { throw fail("gate \(name) takes \(np) parameter(s), got \(ps.count)", t) }
        guard qs.count == nq else { throw fail("gate \(name) takes \(nq) qubit(s), got \(qs.count)", t) }
        expanded += 1
        guard expanded <= QASMParser.maxInstructions else { throw fail("more than \(QASMParser.maxInstructions) gates after expansion", t) }
        for (g, local) in QASMParser.builtin(name, ps) { circuitOps.append((.gate(g, local.map { qs[$0] }), t.line, t.column)) }
    }

    /// (parameters, qubits) of a built-in gate name, or nil.
    static func builtinArity(_ name: String) -> (Int, Int)? {
        switch name {
        case "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg": return (0, 1)
        case "rx", "ry", "rz", "p", "phase", "u1": return (1, 1)
        case "u2": return (2, 1)
        case "u3", "u", "U": return (3, 1)
        case "cx", "CX", "cy", "cz", "swap", "ch": return (0, 2)
        case "cp", "cphase", "cu1", "crx", "cry", "crz", "rxx", "rzz": return (1, 2)
        case "ccx", "cswap": return (0, 3)
        default: return nil
        }
    }

    /// The gates a built-in name stands for, on local operands.
    static func builtin(_ name: String, _ p: [Parameter]) -> [(Gate, [Int])] {
        let half = Parameter(Double.pi / 2)
        switch name {
        case "id": return [(.id, [0])]
        case "x": return [(.x, [0])]
        case "y": return [(.y, [0])]
        case "z": return [(.z, [0])]
        case "h": return [(.h, [0])]
        case "s": return [(.s, [0])]
        case "sdg": return [(.sdg, [0])]
        case "t": return [(.t, [0])]
        case "tdg": return [(.tdg, [0])]
        case "sx": return [(.sx, [0])]
        case "sxdg": return [(.sxdg, [0])]
        case "rx": return [(.rx(p[0]), [0])]
        case "ry": return [(.ry(p[0]), [0])]
        case "rz": return [(.rz(p[0]), [0])]
        case "p", "phase", "u1": return [(.p(p[0]), [0])]
        case "u2": return [(.u(half, p[0], p[1]), [0])]
        case "u3", "u", "U": return [(.u(p[0], p[1], p[2]), [0])]
        case "cx", "CX": return [(.cx, [0, 1])]
        case "cy": return [(.cy, [0, 1])]
        case "cz": return [(.cz, [0, 1])]
        case "swap": return [(.swap, [0, 1])]
        case "ch": return [(.s, [1]), (.h, [1]), (.t, [1]), (.cx, [0, 1]), (.tdg, [1]), (.h, [1]), (.sdg, [1])]
        case "cp", "cphase", "cu1": return [(.cp(p[0]), [0, 1])]
        case "crx": return [(.crx(p[0]), [0, 1])]
        case "cry": return [(.cry(p[0]), [0, 1])]
        case "crz": return [(.crz(p[0]), [0, 1])]
        case "rxx": return [(.rxx(p[0]), [0, 1])]
        case "rzz": return [(.rzz(p[0]), [0, 1])]
        case "ccx": return [(.ccx, [0, 1, 2])]
        case "cswap": return [(.cx, [2, 1]), (.ccx, [0, 1, 2]), (.cx, [2, 1])]
        default: return []
        }
    }

    // MARK: - Expressions

    /// Precedence climbing: `+ -` (1) < `* /` (2) < unary minus < `^` (3, right-associative).
    mutating func expression(_ minPrec: Int, depth: Int = 0) throws -> Expr {
        guard depth < 100 else { throw fail("expression nested too deeply") }
        var lhs = try unary(depth)
        while case let .symbol(op) = current.kind, let prec = ["+": 1, "-": 1, "*": 2, "/": 2, "^": 3][op], prec >= minPrec {
            _ = next()
            let rhs = try expression(op == "^" ? prec : prec + 1, depth: depth + 1)
            lhs = .binary(Character(op), lhs, rhs)
        }
        return lhs
    }

    mutating func unary(_ depth: Int) throws -> Expr {
        guard depth < 100 else { throw fail("expression nested too deeply") }
        if isSymbol("-") { _ = next(); return .negate(try unary(depth + 1)) }
        if isSymbol("+") { _ = next(); return try unary(depth + 1) }
        return try primary(depth)
    }

    mutating func primary(_ depth: Int) throws -> Expr {
        guard depth < 100 else { throw fail("expression nested too deeply") }
        let t = next()
        switch t.kind {
        case let .number(v): return .number(v)
        case let .identifier(s):
            if isSymbol("(") {
                _ = next()
                let arg = try expression(0, depth: depth + 1)
                try expect(")")
                return .call(s, arg)
            }
            return .identifier(s)
        case .symbol("("):
            let e = try expression(0, depth: depth + 1)
            try expect(")")
            return e
        default: throw fail("expected an expression, found \(describe(t.kind))", t)
        }
    }

    /// Evaluates to an affine `Parameter`; `env` binds gate-definition parameters.
    func evaluate(_ e: Expr, _ env: [String: Parameter], _ at: Tok) throws -> Parameter {
        switch e {
        case let .number(v): return Parameter(v)
        case let .identifier(s):
            if let p = env[s] { return p }
            switch s {
            case "pi", "π": return Parameter(Double.pi)
            case "tau", "τ": return Parameter(2 * Double.pi)
            case "euler", "ℇ": return Parameter(M_E)
            default:
                if inputs.contains(s) { return .symbol(s) }
                throw fail("unknown identifier '\(s)' in expression", at)
            }
        case let .negate(x): return -(try evaluate(x, env, at))
        case let .binary(op, l, r):
            let a = try evaluate(l, env, at), b = try evaluate(r, env, at)
            switch op {
            case "+", "-":
                let bb = op == "+" ? b : -b
                if a.symbol == nil { return bb + a.offset }
                if bb.symbol == nil { return a + bb.offset }
                guard a.symbol == bb.symbol else { throw fail("expression mixes parameters \(a.symbol!) and \(bb.symbol!)", at) }
                var s = a
                s.coefficient += bb.coefficient
                s.offset += bb.offset
                return s
            case "*":
                if let x = a.value { return b * x }
                if let y = b.value { return a * y }
                throw fail("product of two parameters is not supported", at)
            case "/":
                guard let y = b.value else { throw fail("division by a parameter is not supported", at) }
                guard y != 0 else { throw fail("division by zero", at) }
                return a * (1 / y)
            default:
                guard let x = a.value, let y = b.value else { throw fail("'^' needs constant operands", at) }
                return Parameter(pow(x, y))
            }
        case let .call(f, x):
            guard let v = try evaluate(x, env, at).value else { throw fail("\(f)() of a parameter is not supported", at) }
            let r: Double
            switch f {
            case "sin": r = sin(v)
            case "cos": r = cos(v)
            case "tan": r = tan(v)
            case "exp": r = exp(v)
            case "ln": r = log(v)
            case "sqrt": r = v.squareRoot()
            case "arcsin": r = asin(v)
            case "arccos": r = acos(v)
            case "arctan": r = atan(v)
            default: throw fail("unknown function '\(f)'", at)
            }
            guard r.isFinite else { throw fail("\(f)(\(v)) is not finite", at) }
            return Parameter(r)
        }
    }
}
