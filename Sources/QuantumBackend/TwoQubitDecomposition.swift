/// Exact KAK (Cartan) decomposition of a 4×4 unitary (Khaneja–Glaser 2001; Vatan & Williams 2004,
/// "Optimal quantum circuits for general two-qubit gates"; Tucci 2005 for the magic-basis algorithm):
///
/// `U = e^{iγ}·(A₁ ⊗ A₀)·exp(i(a·XX + b·YY + c·ZZ))·(B₁ ⊗ B₀)`, `A₀, B₀` on operand 0.
///
/// Algorithm: `U' = U/det(U)^{1/4}`; in the magic basis `M`, `Uₘ = M†U'M`; the complex symmetric
/// unitary `Uₘᵀ Uₘ = P·diag(e^{2iθ})·Pᵀ` is diagonalised by a real orthogonal `P` (the real and imaginary
/// parts commute, so one real symmetric eigen-solve of a generic combination does it); then
/// `K₁ = Uₘ·P·diag(e^{−iθ})` is real orthogonal and `U' = (M K₁ M†)(M diag(e^{iθ}) M†)(M Pᵀ M†)`,
/// whose outer factors are local. `(a, b, c)` follow from `θ` because XX, YY, ZZ are diagonal in the
/// magic basis; each is then reduced into (−π/4, π/4] by moving Pauli factors into the local gates.
/// `circuit()` realises the interaction with the optimal 3 CX (Vatan–Williams), or 2 CX when `b = 0`.
public struct TwoQubitDecomposition: Sendable {
    /// The local gates applied first: `B₀` on operand 0 and `B₁` on operand 1 (2×2 unitaries).
    public var before0: ComplexMatrix, before1: ComplexMatrix
    /// The local gates applied last: `A₀` on operand 0 and `A₁` on operand 1 (2×2 unitaries).
    public var after0: ComplexMatrix, after1: ComplexMatrix
    /// Interaction (Weyl-chamber) coordinates of `exp(i(a·XX + b·YY + c·ZZ))`, each reduced into (−π/4, π/4]
    /// radians; a coordinate within tolerance of 0 costs no CX.
    public var a: Double, b: Double, c: Double
    /// `γ` in `U = e^{iγ}·(A₁ ⊗ A₀)·exp(i(a·XX + b·YY + c·ZZ))·(B₁ ⊗ B₀)`, radians.
    public var globalPhase: Double

    static let magic: ComplexMatrix = {
        let r = 0.5.squareRoot()
        let z = Complex.zero, o = Complex(r), i = Complex(0, r)
        // Columns: |Φ+⟩, i|Ψ+⟩, |Ψ−⟩, i|Φ−⟩ (kron order).
        return ComplexMatrix(_unchecked: 4, [o, z, z, i,
                                             z, i, o, z,
                                             z, i, -o, z,
                                             o, z, z, -i])
    }()

    /// Decomposes a 4×4 unitary. Throws `QuantumError.notUnitary` if `u` is not (within 1e-8).
    public init(_ u: ComplexMatrix) throws {
        guard u.dimension == 4, u.unitarityError < 1e-8 else {
            throw QuantumError.notUnitary(detail: "two-qubit decomposition needs a 4×4 unitary")
        }
        let m = TwoQubitDecomposition.magic, md = m.adjoint
        let det = u.determinant
        let uu = Complex.phase(-det.argument / 4) * u
        let um = md * uu * m
        let m2 = um.transpose * um
        var p: [Double] = []
        var found = false
        for coeff in [0.6180339887498949, 1.4142135623730951, 0.3183098861837907, 2.718281828459045] {
            var s = [Double](repeating: 0, count: 16)
            for k in 0..<16 { s[k] = m2.elements[k].re + coeff * m2.elements[k].im }
            p = TwoQubitDecomposition.jacobiEigenvectors(s)
            // check diagonalisation of both parts
            var off = 0.0
            for r in 0..<4 { for cc in 0..<4 where r != cc {
                var acc = Complex.zero
                for i in 0..<4 { for j in 0..<4 { acc += (p[i * 4 + r] * p[j * 4 + cc]) * m2[i, j] } }
                off = max(off, acc.magnitude)
            } }
            if off < 1e-9 { found = true; break }
        }
        guard found else { throw QuantumError.notUnitary(detail: "KAK: simultaneous diagonalisation failed") }
        // det P = +1
        var pm = ComplexMatrix.identity(4)
        for i in 0..<4 { for j in 0..<4 { pm[i, j] = Complex(p[i * 4 + j]) } }
        if pm.determinant.re < 0 { for i in 0..<4 { pm[i, 0] = -pm[i, 0] } }
        let d = pm.transpose * m2 * pm
        var theta = (0..<4).map { d[$0, $0].argument / 2 }
        var dd = ComplexMatrix.diagonal(theta.map { Complex.phase(-$0) })
        var k1 = um * pm * dd
        if k1.determinant.re < 0 {
            theta[0] += Double.pi
            dd = ComplexMatrix.diagonal(theta.map { Complex.phase(-$0) })
            k1 = um * pm * dd
        }
        let kAfter = m * k1 * md
        let kBefore = m * pm.transpose * md
        // Interaction coordinates: θ_k = a·x_k + b·y_k + c·z_k + g.
        func diagOf(_ g: ComplexMatrix) -> [Double] { let t = md * g * m; return (0..<4).map { t[$0, $0].re } }
        let xg = try Gate.x.matrix(), yg = try Gate.y.matrix(), zg = try Gate.z.matrix()
        let xx = diagOf(.kron(xg, xg)), yy = diagOf(.kron(yg, yg)), zz = diagOf(.kron(zg, zg))
        var coords = [xx, yy, zz].map { w in (0..<4).reduce(0.0) { $0 + theta[$1] * w[$1] } / 4 }
        var (af0, af1) = TwoQubitDecomposition.factorLocal(kAfter)
        (before0, before1) = TwoQubitDecomposition.factorLocal(kBefore)
        // Canonicalise each coordinate into (−π/4, π/4]: exp(i(a + kπ/2)XX) = exp(iaXX)·(iXX)^k, and the
        // Pauli factor (i·σ⊗σ)^k is local, so it moves into the `after` matrices (phase fixed below).
        for (j, pauli) in [xg, yg, zg].enumerated() {
            let k = (coords[j] / (Double.pi / 2)).rounded()
            coords[j] -= k * Double.pi / 2
            if Int(k) & 1 != 0 { af0 = af0 * pauli; af1 = af1 * pauli }
        }
        (a, b, c) = (coords[0], coords[1], coords[2])
        (after0, after1) = (af0, af1)
        globalPhase = 0
        // Fix the global phase by comparing with the input.
        let rebuilt = try self.matrix()
        var kMax = 0
        for i in 0..<16 where rebuilt.elements[i].normSquared > rebuilt.elements[kMax].normSquared { kMax = i }
        globalPhase = (u.elements[kMax] / rebuilt.elements[kMax]).argument
        guard ComplexMatrix.distanceUpToPhase(u, rebuilt) < 1e-8 else {
            throw QuantumError.notUnitary(detail: "KAK reconstruction failed (error \(ComplexMatrix.distanceUpToPhase(u, rebuilt)))")
        }
    }

    /// `e^{iγ}(A₁⊗A₀)·exp(i(aXX+bYY+cZZ))·(B₁⊗B₀)`.
    public func matrix() throws -> ComplexMatrix {
        let mid = try Gate.rxx(Parameter(-2 * a)).matrix() * Gate.ryy(Parameter(-2 * b)).matrix() * Gate.rzz(Parameter(-2 * c)).matrix()
        return Complex.phase(globalPhase) * (ComplexMatrix.kron(after1, after0) * mid * ComplexMatrix.kron(before1, before0))
    }

    /// Gates in circuit order on local operands 0 and 1: 1-qubit gates and at most 3 `cx`, equal to the
    /// input up to a global phase.
    public func circuit(tolerance: Double = 1e-12) -> [(Gate, [Int])] {
        var out: [(Gate, [Int])] = []
        out.append((.unitary(before0, label: "k"), [0]))
        out.append((.unitary(before1, label: "k"), [1]))
        let hasA = abs(a) > tolerance, hasB = abs(b) > tolerance, hasC = abs(c) > tolerance
        if hasB {
            // Vatan & Williams 2004, Fig. 6 (signs fixed for these gate conventions; checked in tests):
            // exp(i(aXX+bYY+cZZ)) ∝ Rz₀(−π/2)·CX₁₀·Ry₁(2b−π/2)·CX₀₁·Ry₁(π/2−2a)·Rz₀(π/2−2c)·CX₁₀·Rz₁(π/2)
            let h = Double.pi / 2
            out.append((.rz(Parameter(h)), [1]))
            out.append((.cx, [1, 0]))
            out.append((.rz(Parameter(h - 2 * c)), [0]))
            out.append((.ry(Parameter(h - 2 * a)), [1]))
            out.append((.cx, [0, 1]))
            out.append((.ry(Parameter(2 * b - h)), [1]))
            out.append((.cx, [1, 0]))
            out.append((.rz(Parameter(-h)), [0]))
        } else if hasA || hasC {
            // exp(i(aXX + cZZ)) = CX · Rx₀(−2a) · Rz₁(−2c) · CX (CX maps X₀X₁ → X₀ and Z₀Z₁ → Z₁).
            out.append((.cx, [0, 1]))
            if hasA { out.append((.rx(Parameter(-2 * a)), [0])) }
            if hasC { out.append((.rz(Parameter(-2 * c)), [1])) }
            out.append((.cx, [0, 1]))
        }
        out.append((.unitary(after0, label: "k"), [0]))
        out.append((.unitary(after1, label: "k"), [1]))
        return out
    }

    /// Splits `K = A₁ ⊗ A₀` (kron order) into its factors, each scaled to determinant 1 except for a
    /// phase folded into `A₀`.
    static func factorLocal(_ k: ComplexMatrix) -> (ComplexMatrix, ComplexMatrix) {
        var best = 0
        for i in 0..<16 where k.elements[i].normSquared > k.elements[best].normSquared { best = i }
        let r = best / 4, c = best % 4
        let r1 = r >> 1, r0 = r & 1, c1 = c >> 1, c0 = c & 1
        var a0 = ComplexMatrix.identity(2), a1 = ComplexMatrix.identity(2)
        for x in 0..<2 { for y in 0..<2 {
            a0[x, y] = k[r1 * 2 + x, c1 * 2 + y]
            a1[x, y] = k[x * 2 + r0, y * 2 + c0]
        } }
        func normalise(_ m: ComplexMatrix) -> ComplexMatrix {
            let d = m.determinant
            let s = Complex.phase(-d.argument / 2)
            return (1 / d.magnitude.squareRoot()) * s * m
        }
        let n0 = normalise(a0), n1 = normalise(a1)
        let prod = ComplexMatrix.kron(n1, n0)
        let ph = k.elements[best] / prod.elements[best]
        return ((1 / ph.magnitude) * ph * n0, n1)
    }

    /// Eigenvectors (columns of the returned row-major 4×4) of a real symmetric 4×4, cyclic Jacobi.
    static func jacobiEigenvectors(_ input: [Double]) -> [Double] {
        let n = 4
        var a = input
        // symmetrise
        for i in 0..<n { for j in 0..<n { let s = (a[i * n + j] + a[j * n + i]) / 2; a[i * n + j] = s; a[j * n + i] = s } }
        var v = [Double](repeating: 0, count: 16)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
            if off < 1e-30 { break }
            for p in 0..<(n - 1) { for q in (p + 1)..<n {
                let apq = a[p * n + q]
                if abs(apq) < 1e-300 { continue }
                let tau = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                let t = (tau >= 0 ? 1.0 : -1.0) / (abs(tau) + (1 + tau * tau).squareRoot())
                let cs = 1 / (1 + t * t).squareRoot(), sn = t * cs
                for k in 0..<n {
                    let akp = a[k * n + p], akq = a[k * n + q]
                    a[k * n + p] = cs * akp - sn * akq
                    a[k * n + q] = sn * akp + cs * akq
                }
                for k in 0..<n {
                    let apk = a[p * n + k], aqk = a[q * n + k]
                    a[p * n + k] = cs * apk - sn * aqk
                    a[q * n + k] = sn * apk + cs * aqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = cs * vkp - sn * vkq
                    v[k * n + q] = sn * vkp + cs * vkq
                }
            } }
        }
        return v
    }
}
