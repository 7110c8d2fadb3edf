/// Exact Euler (ZYZ) decomposition of a 2×2 unitary: `U = e^{iα}·Rz(φ)·Ry(θ)·Rz(λ)`.
///
/// From `V = e^{−iα}U ∈ SU(2)` with `α = arg(det U)/2`: `θ = 2·atan2(|V₁₀|, |V₀₀|)`,
/// `φ + λ = 2·arg V₁₁`, `φ − λ = 2·arg V₁₀` (either sum or difference is free when its entry
/// vanishes and is set to 0). Reconstruction error is at Float64 rounding (tests: < 1e-12).
public struct OneQubitDecomposition: Hashable, Sendable {
    /// `θ ∈ [0, π]`, the Ry angle in `U = e^{iα}·Rz(φ)·Ry(θ)·Rz(λ)` (radians).
    public var theta: Double
    /// `φ`, the Rz angle applied last (leftmost factor), radians.
    public var phi: Double
    /// `λ`, the Rz angle applied first (rightmost factor), radians.
    public var lambda: Double
    /// `α` in `U = e^{iα}·Rz(φ)·Ry(θ)·Rz(λ)`.
    public var globalPhase: Double

    /// Decomposes `u` (must be 2×2 unitary; checked by the callers that take user input).
    public init(_ u: ComplexMatrix) {
        let det = u.determinant
        let alpha = det.argument / 2
        let ph = Complex.phase(-alpha)
        let v00 = ph * u[0, 0], v10 = ph * u[1, 0], v11 = ph * u[1, 1]
        theta = 2 * _atan2(v10.magnitude, v00.magnitude)
        let sum = v11.magnitude > 1e-12 ? 2 * v11.argument : 0
        let diff = v10.magnitude > 1e-12 ? 2 * v10.argument : 0
        phi = (sum + diff) / 2
        lambda = (sum - diff) / 2
        globalPhase = alpha
    }

    /// The same unitary as one OpenQASM 3 `U(θ, φ, λ)` gate and the remaining global phase:
    /// `u = e^{iγ}·U(θ, φ, λ)` with `γ = α − (φ+λ)/2`.
    public var uGate: (gate: Gate, globalPhase: Double) {
        (.u(Parameter(theta), Parameter(phi), Parameter(lambda)), globalPhase - (phi + lambda) / 2)
    }

    /// IBM basis `rz`, `sx`, `x` (circuit order), equal to `u` up to global phase:
    /// `Rz(φ)Ry(θ)Rz(λ) ∝ Rz(φ+π)·SX·Rz(θ+π)·SX·Rz(λ)`, with the one-`sx` form for θ = π/2, the `x`
    /// form for θ = π and a single `rz` for θ = 0.
    public func ibmGates(tolerance: Double = 1e-12) -> [Gate] {
        func rz(_ a: Double) -> [Gate] {
            let r = OneQubitDecomposition.wrap(a)
            return abs(r) < tolerance ? [] : [.rz(Parameter(r))]
        }
        if abs(theta) < tolerance { return rz(phi + lambda) }
        if abs(theta - Double.pi / 2) < tolerance { return rz(lambda - Double.pi / 2) + [.sx] + rz(phi + Double.pi / 2) }
        // Ry(π) ∝ X·Rz(π) and Rz(φ)·X = X·Rz(−φ): one rz then x.
        if abs(theta - Double.pi) < tolerance { return rz(lambda + Double.pi - phi) + [.x] }
        return rz(lambda) + [.sx] + rz(theta + Double.pi) + [.sx] + rz(phi + Double.pi)
    }

    /// IonQ natives `gpi2`, `gpi` (circuit order), equal to `u` up to global phase. With `SX ∝ GPI2(0)`
    /// and `Rz(a)·GPI2(φ)·Rz(−a) = GPI2(φ+a)`, `Rz(A)·SX·Rz(B)·SX·Rz(C) ∝ Rz(A+B+C)·GPI2(−B−C)·GPI2(−C)`,
    /// and the final `Rz(t) = GPI(t/2)·GPI(0)` (applied as `gpi(0)` then `gpi(t/2)`).
    public func ionqGates(tolerance: Double = 1e-12) -> [Gate] {
        var out: [Gate] = []
        var frame: Double
        if abs(theta) < tolerance {
            frame = phi + lambda
        } else {
            let a = phi + Double.pi, b = theta + Double.pi, c = lambda
            out = [.gpi2(Parameter(OneQubitDecomposition.wrap(-c))), .gpi2(Parameter(OneQubitDecomposition.wrap(-b - c)))]
            frame = a + b + c
        }
        frame = OneQubitDecomposition.wrap(frame)
        if abs(frame) > tolerance { out += [.gpi(0), .gpi(Parameter(frame / 2))] }
        return out
    }

    /// `a` reduced to (−π, π].
    static func wrap(_ a: Double) -> Double {
        var r = a.truncatingRemainder(dividingBy: 2 * Double.pi)
        if r > Double.pi { r -= 2 * Double.pi }
        if r <= -Double.pi { r += 2 * Double.pi }
        return r
    }
}
