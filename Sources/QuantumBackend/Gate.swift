/// A unitary gate, without its operands (`Instruction.gate(_, qubits)` places it).
///
/// Matrices follow Qiskit's definitions (identical to OpenQASM 3's `stdgates.inc`), with the first
/// operand the least significant bit of the local index (see `ComplexMatrix`).
///
/// `u(θ, φ, λ)` is OpenQASM 3's `U`:
/// `U = [[cos θ/2, −e^{iλ} sin θ/2], [e^{iφ} sin θ/2, e^{i(φ+λ)} cos θ/2]] = e^{i(φ+λ)/2}·Rz(φ)·Ry(θ)·Rz(λ)`,
/// i.e. it carries the global phase `e^{i(φ+λ)/2}` relative to the Rz·Ry·Rz product (OpenQASM 2's
/// `U`, which equals Rz·Ry·Rz exactly, differs from it by that phase). Controlled gates take the
/// control(s) first. `gpi`, `gpi2`, `ms` are IonQ's native gates with phases in radians here
/// (IonQ's JSON states them in turns): `ms(φ₀, φ₁, θ) = exp(−iπθ·P(φ₀)⊗P(φ₁))` with `P(φ) = cos φ·X + sin φ·Y`,
/// `φ₀` on operand 0, and `θ` the MS angle in turns (0.25 = fully entangling).
public enum Gate: Hashable, Sendable {
    /// Fixed 1-qubit gates: identity, Paulis X/Y/Z, Hadamard, `S = diag(1, i)` and `S†`, `T = diag(1, e^{iπ/4})`
    /// and `T†`, `SX = √X = ½[[1+i, 1−i], [1−i, 1+i]]` and its inverse `SX†`.
    case id, x, y, z, h, s, sdg, t, tdg, sx, sxdg
    /// Rotations `R_P(θ) = exp(−iθP/2)` about X, Y, Z, and the phase gate `p(λ) = diag(1, e^{iλ})` (= `rz(λ)` up to
    /// global phase `e^{iλ/2}`); angles in radians.
    case rx(Parameter), ry(Parameter), rz(Parameter), p(Parameter)
    /// OpenQASM 3 `U(θ, φ, λ)` (see above for the matrix and its global phase).
    case u(Parameter, Parameter, Parameter)
    /// Fixed 2-qubit gates: controlled X/Z/Y (control = operand 0), SWAP, and IBM's echoed cross-resonance
    /// `ECR = (IX − XY)/√2` in Qiskit's convention.
    case cx, cz, cy, swap, ecr
    /// Two-qubit Pauli rotations `exp(−iθ/2·P⊗P)` for `P` = X, Y, Z; θ in radians.
    case rxx(Parameter), ryy(Parameter), rzz(Parameter)
    /// Controlled `rx`/`ry`/`rz`/`p` (control = operand 0, target = operand 1); θ in radians.
    case crx(Parameter), cry(Parameter), crz(Parameter), cp(Parameter)
    /// Toffoli: X on operand 2 when operands 0 and 1 are both 1.
    case ccx
    /// IonQ natives: `gpi(φ) = [[0, e^{−iφ}], [e^{iφ}, 0]]`, `gpi2(φ) = (1/√2)[[1, −i·e^{−iφ}], [−i·e^{iφ}, 1]]`
    /// (φ in radians), and `ms(φ₀, φ₁, θ)` as above (θ in turns).
    case gpi(Parameter), gpi2(Parameter), ms(Parameter, Parameter, Parameter)
    /// An arbitrary 1- or 2-qubit unitary (2×2 or 4×4) with a display label.
    case unitary(ComplexMatrix, label: String)

    /// Number of qubits the gate acts on.
    public var arity: Int {
        switch self {
        case .cx, .cz, .cy, .swap, .ecr, .rxx, .ryy, .rzz, .crx, .cry, .crz, .cp, .ms: return 2
        case .ccx: return 3
        case let .unitary(m, _): return m.dimension == 4 ? 2 : 1
        default: return 1
        }
    }

    /// The OpenQASM name (`unitary` for arbitrary matrices).
    public var name: String {
        switch self {
        case .id: return "id"
        case .x: return "x"
        case .y: return "y"
        case .z: return "z"
        case .h: return "h"
        case .s: return "s"
        case .sdg: return "sdg"
        case .t: return "t"
        case .tdg: return "tdg"
        case .sx: return "sx"
        case .sxdg: return "sxdg"
        case .rx: return "rx"
        case .ry: return "ry"
        case .rz: return "rz"
        case .p: return "p"
        case .u: return "u"
        case .cx: return "cx"
        case .cz: return "cz"
        case .cy: return "cy"
        case .swap: return "swap"
        case .ecr: return "ecr"
        case .rxx: return "rxx"
        case .ryy: return "ryy"
        case .rzz: return "rzz"
        case .crx: return "crx"
        case .cry: return "cry"
        case .crz: return "crz"
        case .cp: return "cp"
        case .ccx: return "ccx"
        case .gpi: return "gpi"
        case .gpi2: return "gpi2"
        case .ms: return "ms"
        case .unitary: return "unitary"
        }
    }

    /// The angle parameters, in declaration order.
    public var parameters: [Parameter] {
        switch self {
        case let .rx(a), let .ry(a), let .rz(a), let .p(a), let .rxx(a), let .ryy(a), let .rzz(a),
             let .crx(a), let .cry(a), let .crz(a), let .cp(a), let .gpi(a), let .gpi2(a):
            return [a]
        case let .u(a, b, c), let .ms(a, b, c): return [a, b, c]
        default: return []
        }
    }

    /// The same gate with its parameters replaced (same count as `parameters`).
    public func withParameters(_ ps: [Parameter]) -> Gate {
        switch self {
        case .rx: return .rx(ps[0])
        case .ry: return .ry(ps[0])
        case .rz: return .rz(ps[0])
        case .p: return .p(ps[0])
        case .rxx: return .rxx(ps[0])
        case .ryy: return .ryy(ps[0])
        case .rzz: return .rzz(ps[0])
        case .crx: return .crx(ps[0])
        case .cry: return .cry(ps[0])
        case .crz: return .crz(ps[0])
        case .cp: return .cp(ps[0])
        case .gpi: return .gpi(ps[0])
        case .gpi2: return .gpi2(ps[0])
        case .u: return .u(ps[0], ps[1], ps[2])
        case .ms: return .ms(ps[0], ps[1], ps[2])
        default: return self
        }
    }

    /// The gate with every symbol in `bindings` replaced by its value.
    public func bound(_ bindings: [String: Double]) -> Gate {
        let ps = parameters
        return ps.isEmpty ? self : withParameters(ps.map { $0.bound(bindings) })
    }

    /// Whether some parameter still names a symbol.
    public var isParameterised: Bool { parameters.contains { $0.symbol != nil } }

    /// The inverse gate `G†` (exact, not up to phase).
    public var inverse: Gate {
        switch self {
        case .id, .x, .y, .z, .h, .cx, .cz, .cy, .swap, .ecr, .ccx, .gpi: return self
        case .s: return .sdg
        case .sdg: return .s
        case .t: return .tdg
        case .tdg: return .t
        case .sx: return .sxdg
        case .sxdg: return .sx
        case let .rx(a): return .rx(-a)
        case let .ry(a): return .ry(-a)
        case let .rz(a): return .rz(-a)
        case let .p(a): return .p(-a)
        case let .rxx(a): return .rxx(-a)
        case let .ryy(a): return .ryy(-a)
        case let .rzz(a): return .rzz(-a)
        case let .crx(a): return .crx(-a)
        case let .cry(a): return .cry(-a)
        case let .crz(a): return .crz(-a)
        case let .cp(a): return .cp(-a)
        case let .u(t, ph, l): return .u(-t, -l, -ph)
        case let .gpi2(a): return .gpi2(a + Double.pi)
        case let .ms(a, b, t): return .ms(a + Double.pi, b, t)
        case let .unitary(m, label): return .unitary(m.adjoint, label: label + "_dg")
        }
    }

    /// The unitary matrix (2ᵃʳⁱᵗʸ square). Throws `QuantumError.unboundParameter` for a symbol
    /// missing from `bindings`.
    public func matrix(_ bindings: [String: Double] = [:]) throws -> ComplexMatrix {
        let v = try parameters.map { try $0.evaluate(bindings) }
        let r = 0.5.squareRoot()
        func m2(_ a: Complex, _ b: Complex, _ c: Complex, _ d: Complex) -> ComplexMatrix {
            ComplexMatrix(_unchecked: 2, [a, b, c, d])
        }
        func controlled(_ u: ComplexMatrix) -> ComplexMatrix {
            // control = operand 0 (LSB), target = operand 1: acts on indices 1 (|c=1,t=0⟩) and 3.
            var m = ComplexMatrix.identity(4)
            m[1, 1] = u[0, 0]; m[1, 3] = u[0, 1]; m[3, 1] = u[1, 0]; m[3, 3] = u[1, 1]
            return m
        }
        let o = Complex.one, z = Complex.zero, i = Complex.i
        switch self {
        case .id: return .identity(2)
        case .x: return m2(z, o, o, z)
        case .y: return m2(z, -i, i, z)
        case .z: return .diagonal([o, -o])
        case .h: return m2(Complex(r), Complex(r), Complex(r), Complex(-r))
        case .s: return .diagonal([o, i])
        case .sdg: return .diagonal([o, -i])
        case .t: return .diagonal([o, .phase(Double.pi / 4)])
        case .tdg: return .diagonal([o, .phase(-Double.pi / 4)])
        case .sx: return m2(Complex(0.5, 0.5), Complex(0.5, -0.5), Complex(0.5, -0.5), Complex(0.5, 0.5))
        case .sxdg: return m2(Complex(0.5, -0.5), Complex(0.5, 0.5), Complex(0.5, 0.5), Complex(0.5, -0.5))
        case .rx:
            let c = _cos(v[0] / 2), s = _sin(v[0] / 2)
            return m2(Complex(c), Complex(0, -s), Complex(0, -s), Complex(c))
        case .ry:
            let c = _cos(v[0] / 2), s = _sin(v[0] / 2)
            return m2(Complex(c), Complex(-s), Complex(s), Complex(c))
        case .rz: return .diagonal([.phase(-v[0] / 2), .phase(v[0] / 2)])
        case .p: return .diagonal([o, .phase(v[0])])
        case .u:
            let c = _cos(v[0] / 2), s = _sin(v[0] / 2)
            return m2(Complex(c), -s * .phase(v[2]), s * .phase(v[1]), c * .phase(v[1] + v[2]))
        case .cx: return controlled(try Gate.x.matrix())
        case .cy: return controlled(try Gate.y.matrix())
        case .cz: return .diagonal([o, o, o, -o])
        case .crx: return controlled(try Gate.rx(Parameter(v[0])).matrix())
        case .cry: return controlled(try Gate.ry(Parameter(v[0])).matrix())
        case .crz: return controlled(try Gate.rz(Parameter(v[0])).matrix())
        case .cp: return .diagonal([o, o, o, .phase(v[0])])
        case .swap:
            var m = ComplexMatrix.identity(4)
            m[1, 1] = z; m[2, 2] = z; m[1, 2] = o; m[2, 1] = o
            return m
        case .ecr:
            let a = Complex(r), b = Complex(0, r)
            return ComplexMatrix(_unchecked: 4, [z, a, z, b, a, z, -b, z, z, b, z, a, -b, z, a, z])
        case .rxx, .ryy:
            let c = Complex(_cos(v[0] / 2)), ms = Complex(0, -_sin(v[0] / 2))
            let sign: Double = { if case .ryy = self { return -1 } else { return 1 } }()
            var m = ComplexMatrix.diagonal([c, c, c, c])
            m[0, 3] = sign * ms; m[3, 0] = sign * ms; m[1, 2] = ms; m[2, 1] = ms
            return m
        case .rzz:
            let a = Complex.phase(-v[0] / 2), b = Complex.phase(v[0] / 2)
            return .diagonal([a, b, b, a])
        case .ccx:
            var m = ComplexMatrix.identity(8)
            m[3, 3] = z; m[7, 7] = z; m[3, 7] = o; m[7, 3] = o
            return m
        case .gpi: return m2(z, .phase(-v[0]), .phase(v[0]), z)
        case .gpi2: return m2(Complex(r), r * (-i * .phase(-v[0])), r * (-i * .phase(v[0])), Complex(r))
        case .ms:
            let c = Complex(_cos(Double.pi * v[2])), s = _sin(Double.pi * v[2])
            var m = ComplexMatrix.diagonal([c, c, c, c])
            m[0, 3] = s * (-i * .phase(-(v[0] + v[1])))
            m[1, 2] = s * (-i * .phase(v[0] - v[1]))
            m[2, 1] = s * (-i * .phase(-(v[0] - v[1])))
            m[3, 0] = s * (-i * .phase(v[0] + v[1]))
            return m
        case let .unitary(m, _): return m
        }
    }
}
