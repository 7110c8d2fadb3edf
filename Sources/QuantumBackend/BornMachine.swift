/// Quantum circuit Born machine (Liu & Wang 2018, "Differentiable learning of quantum circuit Born
/// machines", Phys. Rev. A 98, 062324, arXiv:1804.04168).
///
/// Ansatz (hardware-efficient): `depth + 1` rotation layers `Rz·Rx·Rz` on every qubit (the first
/// layer without the leading Rz, which acts trivially on |0⟩), separated by CX ladders
/// `0→1→…→n−1`. Loss: the squared maximum mean discrepancy
/// `MMD² = Σ_{x,y} (p−π)(x)·K(x,y)·(p−π)(y)` with a mixture of Gaussian kernels
/// `K(x,y) = (1/c)·Σ_i exp(−(x−y)²/(2σ_i))` on the integer labels of basis states (the paper's choice,
/// σ = 0.25 and 4 by default). Gradients are exact parameter-shift differences,
/// `∂p/∂θ_j = (p(θ + π/2·e_j) − p(θ − π/2·e_j))/2`, so `∂MMD²/∂θ_j = 2·(p−π)ᵀK·∂p/∂θ_j`; optimiser Adam
/// (Kingma & Ba 2015). Probabilities are exact (infinitely many shots).
public struct BornMachine: Sendable {
    /// Number of qubits `n = log₂(target.count)`, 1…12; basis state `x` has bit `q` = qubit `q`.
    public let numberOfQubits: Int
    /// Number of entangling blocks: the ansatz has `depth` CX ladders and `depth + 1` rotation layers (≥ 0).
    public let depth: Int
    /// The target distribution `π` over the `2ⁿ` basis indices, as given to the initialiser (not renormalised).
    public let target: [Double]
    /// The MMD kernel matrix `K(x,y) = (1/c)·Σ_i exp(−(x−y)²/(2σ_i))` over basis labels, `2ⁿ × 2ⁿ` row-major,
    /// symmetric with unit diagonal; `c` is the number of bandwidths σ_i.
    public let kernel: [Double]  // 2ⁿ × 2ⁿ, row-major
    let simulator = StateVectorSimulator()

    /// Result of `train(epochs:learningRate:seed:threshold:progress:)`.
    public struct Training: Sendable {
        /// MMD² after each epoch (index 0 = before training).
        public var history: [Double]
        /// The final angles θ (radians, `parameterCount` of them, ordered as `circuit(_:)` consumes them).
        public var parameters: [Double]
        /// Exact Born probabilities `p_θ(x) = |⟨x|U(θ)|0⟩|²` of the final circuit, `2ⁿ` entries summing to 1.
        public var probabilities: [Double]
        /// First epoch at which MMD² fell below the threshold asked for, if any.
        public var epochReaching: Int?
    }

    /// A Born machine for a named target distribution; see `init(distribution:depth:sigmas:)`.
    /// - Throws: `QuantumError.invalidArgument` if the target is invalid (see `BornMachineTarget.distribution()`),
    ///   needs more than 12 qubits, or if `depth < 0` or a bandwidth is not positive.
    public init(target: BornMachineTarget, depth: Int, sigmas: [Double] = [0.25, 4]) throws {
        try self.init(distribution: try target.distribution(), depth: depth, sigmas: sigmas)
    }

    /// A Born machine fitting `distribution` (indexed by basis state, bit q = qubit q) with MMD bandwidths `sigmas`
    /// (the σ_i of the Gaussian mixture kernel; Liu & Wang use 0.25 and 4). Builds the `2ⁿ × 2ⁿ` kernel eagerly.
    /// - Throws: `QuantumError.invalidArgument` unless `distribution.count == 2ⁿ` with 1 ≤ n ≤ 12, `depth ≥ 0`,
    ///   and `sigmas` is non-empty with every σ > 0.
    public init(distribution: [Double], depth: Int, sigmas: [Double] = [0.25, 4]) throws {
        let n = distribution.count.trailingZeroBitCount
        guard distribution.count == 1 << n, n >= 1, n <= 12 else { throw QuantumError.invalidArgument("Born machine: 2ⁿ probabilities with 1 ≤ n ≤ 12") }
        guard depth >= 0, !sigmas.isEmpty, sigmas.allSatisfy({ $0 > 0 }) else { throw QuantumError.invalidArgument("Born machine: depth ≥ 0 and positive bandwidths") }
        numberOfQubits = n
        self.depth = depth
        target = distribution
        let d = distribution.count
        var k = [Double](repeating: 0, count: d * d)
        for x in 0..<d { for y in 0..<d {
            let diff = Double(x - y)
            k[x * d + y] = sigmas.reduce(0) { $0 + _exp(-diff * diff / (2 * $1)) } / Double(sigmas.count)
        } }
        kernel = k
    }

    /// Number of angles: `2n` in the first layer, `3n` in each of the `depth` others.
    public var parameterCount: Int { 2 * numberOfQubits + 3 * numberOfQubits * depth }

    /// The ansatz with the given angles bound.
    public func circuit(_ theta: [Double]) throws -> Circuit {
        guard theta.count == parameterCount else { throw QuantumError.invalidArgument("expected \(parameterCount) angles, got \(theta.count)") }
        let n = numberOfQubits
        var c = Circuit(qubits: n)
        var k = 0
        for layer in 0...depth {
            if layer > 0 { for q in 0..<(n - 1) { try c.cx(q, q + 1) } }
            for q in 0..<n {
                if layer > 0 { try c.apply(.rz(Parameter(theta[k])), q); k += 1 }
                try c.apply(.rx(Parameter(theta[k])), q); k += 1
                try c.apply(.rz(Parameter(theta[k])), q); k += 1
            }
        }
        return c
    }

    /// Exact Born probabilities `p_θ(x) = |⟨x|U(θ)|0ⁿ⟩|²` of the ansatz (state-vector simulation, no shot noise).
    /// - Throws: `QuantumError.invalidArgument` if `theta.count != parameterCount`.
    public func probabilities(_ theta: [Double]) throws -> [Double] { try simulator.probabilities(try circuit(theta)) }

    /// `MMD²(p, π)`.
    public func mmd(_ p: [Double]) -> Double {
        let d = p.count
        let e = (0..<d).map { p[$0] - target[$0] }
        var s = 0.0
        for x in 0..<d where e[x] != 0 {
            var row = 0.0
            for y in 0..<d { row += kernel[x * d + y] * e[y] }
            s += e[x] * row
        }
        return s
    }

    /// Exact parameter-shift gradient of MMD², and the loss at `theta`.
    public func gradient(_ theta: [Double]) throws -> (loss: Double, gradient: [Double]) {
        let p = try probabilities(theta)
        let d = p.count
        var ke = [Double](repeating: 0, count: d)  // K·(p − π)
        for x in 0..<d { var s = 0.0; for y in 0..<d { s += kernel[x * d + y] * (p[y] - target[y]) }; ke[x] = s }
        var g = [Double](repeating: 0, count: theta.count)
        for j in theta.indices {
            var plus = theta, minus = theta
            plus[j] += Double.pi / 2
            minus[j] -= Double.pi / 2
            let pp = try probabilities(plus), pm = try probabilities(minus)
            var s = 0.0
            for x in 0..<d { s += ke[x] * (pp[x] - pm[x]) / 2 }
            g[j] = 2 * s
        }
        return (mmd(p), g)
    }

    /// Adam from angles uniform in [0, 2π) drawn with `seed`.
    public func train(epochs: Int, learningRate: Double = 0.1, seed: UInt64, threshold: Double = 1e-3,
                      progress: ((Int, Double) -> Void)? = nil) throws -> Training {
        guard epochs >= 0 else { throw QuantumError.invalidArgument("epochs must be ≥ 0") }
        var rng = SeededGenerator(seed: seed)
        var theta = (0..<parameterCount).map { _ in rng.uniform() * 2 * Double.pi }
        var m = [Double](repeating: 0, count: theta.count), v = m
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        var history: [Double] = []
        var reached: Int?
        for epoch in 0..<epochs {
            let (loss, g) = try gradient(theta)
            history.append(loss)
            if reached == nil && loss < threshold { reached = epoch }
            progress?(epoch, loss)
            let t = Double(epoch + 1)
            for j in theta.indices {
                m[j] = b1 * m[j] + (1 - b1) * g[j]
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
                let mh = m[j] / (1 - pow1(b1, t)), vh = v[j] / (1 - pow1(b2, t))
                theta[j] -= learningRate * mh / (vh.squareRoot() + eps)
            }
        }
        let p = try probabilities(theta)
        let final = mmd(p)
        history.append(final)
        if reached == nil && final < threshold { reached = epochs }
        return Training(history: history, parameters: theta, probabilities: p, epochReaching: reached)
    }

    private func pow1(_ b: Double, _ t: Double) -> Double { _exp(t * _log(b)) }
}
