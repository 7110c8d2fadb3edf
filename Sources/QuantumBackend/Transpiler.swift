/// Exact transpilation to a `NativeGateSet`; the result equals the input up to a global phase.
///
/// 1. Lowering: 1-qubit gates become matrices; `ccx` uses the standard 6-CX network (Nielsen &
///    Chuang Fig. 4.9); the native entangler stays; `cx` maps to it directly (Heron:
///    `cx = (I⊗H)·cz·(I⊗H)`; Eagle: `cx = e^{−iπ/4}·ecr·(Ry(π)Rz(−π/2) ⊗ Rx(π/2))`, Qiskit's
///    equivalence); every other 2-qubit gate goes through `TwoQubitDecomposition` (KAK): on IBM its
///    ≤ 4-CX circuit, on IonQ the interaction `exp(i(aXX+bYY+cZZ))` as ≤ 3 partial MS gates
///    (`Rxx(t) = ms(0,0,t/2π)`, `Ryy(t) = ms(π/2,π/2,t/2π)`, `Rzz` by Hadamard conjugation of `Rxx`,
///    negative angles via `φ₀ + π`, |t| > π/2 via the local `Rxx(±π) ∝ X⊗X`).
/// 2. Consecutive 1-qubit matrices on a qubit are multiplied and re-synthesised once
///    (`OneQubitDecomposition.ibmGates` / `.ionqGates`).
/// 3. IonQ: Z rotations are virtual (a per-qubit phase frame shifts later gpi/gpi2/ms phases), so a
///    1-qubit run costs at most two `gpi2`. The frames left at the end are realised as `gpi·gpi` pairs,
///    or dropped with `dropFinalZRotations` (valid when every qubit is then measured in Z, as IonQ does).
/// Measurements, resets, barriers and delays pass through and end a 1-qubit run on their qubits.
public enum Transpiler {
    /// `circuit` rewritten into `target`'s native gates, equal to the input up to a global phase (exact up to
    /// Float64 rounding; `dropFinalZRotations` only preserves measurement statistics in Z).
    /// - Throws: `QuantumError.unboundParameter` if any angle is still symbolic; `QuantumError.notUnitary` if the
    ///   KAK decomposition of a 2-qubit gate fails (simultaneous diagonalisation or reconstruction check).
    public static func transpile(_ circuit: Circuit, to target: NativeGateSet, dropFinalZRotations: Bool = false) throws -> Circuit {
        if let s = circuit.parameterNames.first { throw QuantumError.unboundParameter(s) }
        var out = Circuit(qubits: circuit.numberOfQubits, clbits: circuit.numberOfClbits)
        var pending = [ComplexMatrix?](repeating: nil, count: circuit.numberOfQubits)
        // IonQ: virtual Z. The true state is (⊗_q Rz(frame[q]))·(emitted circuit); a gate G is emitted as
        // Rz(−f)·G·Rz(f), i.e. gpi/gpi2/ms phases shifted by −f, and trailing Rz's of 1-qubit runs go into the frame.
        var frame = [Double](repeating: 0, count: circuit.numberOfQubits)

        func flush(_ q: Int) {
            guard let m = pending[q] else { return }
            pending[q] = nil
            let d = OneQubitDecomposition(m)
            if target == .ionq {
                // U ∝ Rz(A+B+C)·GPI2(−B−C)·GPI2(−C), A = φ+π, B = θ+π, C = λ (see OneQubitDecomposition.ionqGates).
                if abs(d.theta) < 1e-12 {
                    frame[q] += d.phi + d.lambda
                } else {
                    let a = d.phi + Double.pi, b = d.theta + Double.pi, c = d.lambda
                    out._appendUnchecked(.gate(.gpi2(Parameter(OneQubitDecomposition.wrap(-c - frame[q]))), [q]))
                    out._appendUnchecked(.gate(.gpi2(Parameter(OneQubitDecomposition.wrap(-b - c - frame[q]))), [q]))
                    frame[q] += a + b + c
                }
                frame[q] = OneQubitDecomposition.wrap(frame[q])
                return
            }
            for g in d.ibmGates() { out._appendUnchecked(.gate(g, [q])) }
        }
        func one(_ m: ComplexMatrix, _ q: Int) { pending[q] = pending[q].map { m * $0 } ?? m }
        func one(_ g: Gate, _ q: Int) throws { one(try g.matrix(), q) }
        func entangler(_ g: Gate, _ qs: [Int]) {
            for q in qs { flush(q) }
            if case let .ms(p0, p1, t) = g, let v0 = p0.value, let v1 = p1.value {
                out._appendUnchecked(.gate(.ms(Parameter(OneQubitDecomposition.wrap(v0 - frame[qs[0]])),
                                               Parameter(OneQubitDecomposition.wrap(v1 - frame[qs[1]])), t), qs))
                return
            }
            out._appendUnchecked(.gate(g, qs))
        }
        func cx(_ c: Int, _ t: Int) throws {
            switch target {
            case .ibmHeron:
                try one(.h, t); entangler(.cz, [c, t]); try one(.h, t)
            case .ibmEagle:
                try one(.rz(Parameter(-Double.pi / 2)), c); try one(.ry(Parameter(Double.pi)), c)
                try one(.rx(Parameter(Double.pi / 2)), t)
                entangler(.ecr, [c, t])
            case .ionq:
                try kak(try Gate.cx.matrix(), c, t)
            }
        }
        /// exp(−i t/2 · σ⊗σ) for σ ∈ {X, Y, Z} on IonQ.
        func ionqRotation(_ axis: Character, _ t0: Double, _ qa: Int, _ qb: Int) throws {
            var t = OneQubitDecomposition.wrap(t0)
            if abs(t) < 1e-12 { return }
            let phase: Double = axis == "Y" ? Double.pi / 2 : 0
            if axis == "Z" { try one(.h, qa); try one(.h, qb) }
            if abs(t) > Double.pi / 2 {
                // Rσσ(t) = Rσσ(t ∓ π)·Rσσ(±π), Rσσ(±π) ∝ σ⊗σ (local).
                let sigma: Gate = axis == "Y" ? .y : .x
                try one(sigma, qa); try one(sigma, qb)
                t -= t > 0 ? Double.pi : -Double.pi
            }
            if abs(t) > 1e-12 {
                let ms = Gate.ms(Parameter(phase + (t < 0 ? Double.pi : 0)), Parameter(phase), Parameter(abs(t) / (2 * Double.pi)))
                entangler(ms, [qa, qb])
            }
            if axis == "Z" { try one(.h, qa); try one(.h, qb) }
        }
        func kak(_ m: ComplexMatrix, _ q0: Int, _ q1: Int) throws {
            let k = try TwoQubitDecomposition(m)
            if target == .ionq {
                one(k.before0, q0); one(k.before1, q1)
                try ionqRotation("X", -2 * k.a, q0, q1)
                try ionqRotation("Y", -2 * k.b, q0, q1)
                try ionqRotation("Z", -2 * k.c, q0, q1)
                one(k.after0, q0); one(k.after1, q1)
                return
            }
            let qs = [q0, q1]
            for (g, local) in k.circuit() {
                if g == .cx { try cx(qs[local[0]], qs[local[1]]) } else { one(try g.matrix(), qs[local[0]]) }
            }
        }

        for ins in circuit.instructions {
            switch ins {
            case let .gate(g, qs):
                switch (g, target) {
                case (_, _) where g.arity == 1: try one(g, qs[0])
                case (.cz, .ibmHeron), (.ecr, .ibmEagle): entangler(g, qs)
                case (.cx, .ibmHeron), (.cx, .ibmEagle): try cx(qs[0], qs[1])
                case (.cz, .ibmEagle):
                    try one(.h, qs[1]); try cx(qs[0], qs[1]); try one(.h, qs[1])
                case (.ccx, _):
                    let (a, b, c) = (qs[0], qs[1], qs[2])
                    try one(.h, c); try cxAny(b, c); try one(.tdg, c); try cxAny(a, c); try one(.t, c); try cxAny(b, c)
                    try one(.tdg, c); try cxAny(a, c); try one(.t, b); try one(.t, c); try one(.h, c); try cxAny(a, b)
                    try one(.t, a); try one(.tdg, b); try cxAny(a, b)
                default: try kak(try g.matrix(), qs[0], qs[1])
                }
            case let .measure(q, _):
                flush(q)
                out._appendUnchecked(ins)
            case let .reset(q):
                flush(q)
                frame[q] = 0  // Rz(f)|0⟩ is |0⟩ up to phase
                out._appendUnchecked(ins)
            case let .barrier(qs), let .delay(_, qs):
                for q in qs { flush(q) }
                out._appendUnchecked(ins)
            }
        }
        func cxAny(_ c: Int, _ t: Int) throws {
            if target == .ionq { try kak(try Gate.cx.matrix(), c, t) } else { try cx(c, t) }
        }
        for q in 0..<circuit.numberOfQubits { flush(q) }
        if target == .ionq && !dropFinalZRotations {
            // Realise the remaining frames: Rz(f) ∝ GPI(f/2)·GPI(0).
            for q in 0..<circuit.numberOfQubits where abs(frame[q]) > 1e-12 {
                out._appendUnchecked(.gate(.gpi(0), [q]))
                out._appendUnchecked(.gate(.gpi(Parameter(frame[q] / 2)), [q]))
            }
        }
        return out
    }
}
