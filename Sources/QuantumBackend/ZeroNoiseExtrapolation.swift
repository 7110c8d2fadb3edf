/// Zero-noise extrapolation (Temme, Bravyi & Gambetta 2017; unitary folding as in Giurgica-Tiron
/// et al. 2020, "Digital zero noise extrapolation for quantum error mitigation", and Mitiq).
///
/// Folding raises the noise by a scale factor `λ ≥ 1` without changing the ideal unitary:
/// global `U → U·(U†U)ⁿ·L†L` with `L` the last `s` gates, local `G → G·(G†G)ⁿ` per gate plus one more
/// fold for the first `s` gates, where `n = ⌊(λ−1)/2⌋` and `s = round(d·((λ−1)/2 − n))` for `d` gates
/// (the realised scale `1 + 2(n·d + s)/d` is reported by `realisedScale`). Extrapolation to λ = 0:
/// linear least squares, Richardson (the interpolating polynomial through all points), or
/// exponential `y = A + B·e^{−cλ}` with a known asymptote `A` (log-linear fit).
public enum ZeroNoiseExtrapolation {
    /// How noise is amplified: `global` folds the whole circuit (`U → U(U†U)ⁿ` plus a partial fold of the last
    /// gates), `local` folds each gate in place (`G → G(G†G)ⁿ`, one extra fold for the first gates).
    public enum Folding: String, Hashable, Sendable, CaseIterable { case global, local }

    /// The model fitted to `(λ, value)` pairs to read off the value at λ = 0.
    public enum Extrapolation: Hashable, Sendable {
        /// Least-squares line `y = a + bλ`; returns `a`.
        case linear
        /// Richardson: the polynomial of degree `k−1` through all `k` points, evaluated at 0 (Lagrange weights
        /// `Π_{j≠i} λ_j/(λ_j − λ_i)`); exact for polynomial noise, unstable for many points.
        case richardson
        /// `y = A + B·e^{−cλ}` with `A = asymptote` known (e.g. 0 for a Pauli expectation under depolarizing noise):
        /// a line fitted to `log|y − A|`. Throws if the values straddle `A`.
        case exponential(asymptote: Double)
    }

    /// The folded circuit for scale `λ` (measurements are moved to the end).
    public static func fold(_ circuit: Circuit, scale: Double, method: Folding) throws -> Circuit {
        guard scale >= 1, scale.isFinite else { throw QuantumError.invalidArgument("scale factor \(scale) must be ≥ 1") }
        let gates = circuit.instructions.filter { if case .gate = $0 { return true } else { return false } }
        let tail = circuit.instructions.filter { if case .measure = $0 { return true } else { return false } }
        guard !circuit.instructions.contains(where: { if case .reset = $0 { return true } else { return false } }) else {
            throw QuantumError.unsupported("folding a circuit with reset")
        }
        let d = gates.count
        let k = (scale - 1) / 2
        let n = Int(k.rounded(.down))
        let s = min(Int((Double(d) * (k - Double(n))).rounded()), d)
        var out = Circuit(qubits: circuit.numberOfQubits, clbits: circuit.numberOfClbits)
        func inv(_ i: Instruction) -> Instruction { if case let .gate(g, q) = i { return .gate(g.inverse, q) }; return i }
        switch method {
        case .global:
            for i in gates { out._appendUnchecked(i) }
            for _ in 0..<n {
                for i in gates.reversed() { out._appendUnchecked(inv(i)) }
                for i in gates { out._appendUnchecked(i) }
            }
            let last = gates.suffix(s)
            for i in last.reversed() { out._appendUnchecked(inv(i)) }
            for i in last { out._appendUnchecked(i) }
        case .local:
            for (j, i) in gates.enumerated() {
                out._appendUnchecked(i)
                for _ in 0..<(n + (j < s ? 1 : 0)) { out._appendUnchecked(inv(i)); out._appendUnchecked(i) }
            }
        }
        for i in tail { out._appendUnchecked(i) }
        return out
    }

    /// `1 + 2·(folded gate pairs)/d` for a folded circuit against its original.
    public static func realisedScale(original: Circuit, folded: Circuit) -> Double {
        Double(folded.gateCount) / Double(max(original.gateCount, 1))
    }

    /// The value at λ = 0 from `(scales, values)`.
    public static func extrapolate(scales: [Double], values: [Double], _ method: Extrapolation) throws -> Double {
        guard scales.count == values.count, scales.count >= 2, Set(scales).count == scales.count else {
            throw QuantumError.invalidArgument("extrapolation needs ≥ 2 distinct scale factors with one value each")
        }
        switch method {
        case .linear:
            let (a, _) = linearFit(scales, values)
            return a
        case .richardson:
            var total = 0.0
            for i in scales.indices {
                var w = 1.0
                for j in scales.indices where j != i { w *= scales[j] / (scales[j] - scales[i]) }
                total += w * values[i]
            }
            return total
        case let .exponential(asymptote):
            let shifted = values.map { $0 - asymptote }
            let sign: Double = (shifted.first ?? 1) < 0 ? -1 : 1
            guard shifted.allSatisfy({ $0 * sign > 0 }) else {
                throw QuantumError.invalidArgument("exponential extrapolation: values straddle the asymptote \(asymptote)")
            }
            let (a, _) = linearFit(scales, shifted.map { _log($0 * sign) })
            return asymptote + sign * _exp(a)
        }
    }

    /// Least-squares `y = a + b·x`.
    static func linearFit(_ x: [Double], _ y: [Double]) -> (Double, Double) {
        let n = Double(x.count)
        let mx = x.reduce(0.0, +) / n, my = y.reduce(0.0, +) / n
        var sxy = 0.0, sxx = 0.0
        for i in x.indices { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx) }
        let b = sxx > 0 ? sxy / sxx : 0
        return (my - b * mx, b)
    }

    /// Runs `observable` on each folded circuit with `backend` and extrapolates to zero noise, using
    /// the realised scale factors (gate-count ratios), which differ from the requested ones when `d`
    /// does not divide the partial fold.
    public static func mitigatedExpectation(of observable: PauliSum, in circuit: Circuit, backend: QuantumBackend,
                                            scales: [Double] = [1, 3, 5], folding: Folding = .global,
                                            extrapolation: Extrapolation = .richardson) throws -> Double {
        var realised: [Double] = [], values: [Double] = []
        for s in scales {
            let f = try fold(circuit, scale: s, method: folding)
            realised.append(realisedScale(original: circuit, folded: f))
            values.append(try backend.expectation(of: observable, in: f))
        }
        return try extrapolate(scales: realised, values: values, extrapolation)
    }
}
