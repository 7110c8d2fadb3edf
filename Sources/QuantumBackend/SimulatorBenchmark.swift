import Foundation

/// Throughput measurements of `StateVectorSimulator` on seeded random circuits, shared by
/// `allone-compress quantum bench` and `allone-bench quantum` (which runs qulacs on the same circuits).
///
/// Effective bandwidth counts every gate as one full pass over the state: `2ⁿ × 16` bytes read and
/// written (`2ⁿ × 32` bytes), the traffic of a 1-qubit gate; the bound is a same-sized in-place
/// read-modify-write sweep of the state on this machine (`streamBandwidth`).
public enum SimulatorBenchmark {
    /// Gate mix (uniform): h, x, t, sx, rx, ry, rz (random angle), cx, cz (random distinct qubits).
    public static let gateNames = ["h", "x", "t", "sx", "rx", "ry", "rz", "cx", "cz"]

    /// A reproducible random circuit of `gates` gates on `n` qubits, drawn uniformly from `gateNames` with
    /// uniform qubits (2-qubit gates on two distinct qubits) and angles uniform in [0, 2π), from `seed`.
    /// - Throws: `QuantumError.invalidArgument` if `n < 2`. `gates` must be ≥ 0 (a negative count is not
    ///   checked and traps in the range).
    public static func randomCircuit(qubits n: Int, gates: Int, seed: UInt64) throws -> Circuit {
        guard n >= 2 else { throw QuantumError.invalidArgument("benchmark needs ≥ 2 qubits") }
        guard gates >= 0 else { throw QuantumError.invalidArgument("gate count \(gates) is negative") }
        var rng = SeededGenerator(seed: seed)
        var c = Circuit(qubits: n)
        for _ in 0..<gates {
            let name = gateNames[Int(rng.next() % UInt64(gateNames.count))]
            let a = Int(rng.next() % UInt64(n))
            var b = Int(rng.next() % UInt64(n - 1))
            if b >= a { b += 1 }
            let angle = Parameter(rng.uniform() * 2 * Double.pi)
            switch name {
            case "h": try c.h(a)
            case "x": try c.x(a)
            case "t": try c.apply(.t, a)
            case "sx": try c.apply(.sx, a)
            case "rx": try c.apply(.rx(angle), a)
            case "ry": try c.apply(.ry(angle), a)
            case "rz": try c.apply(.rz(angle), a)
            case "cx": try c.cx(a, b)
            default: try c.apply(.cz, a, b)
            }
        }
        return c
    }

    /// The circuit as JSON for the Python peer: `{"qubits": n, "gates": [{"g": name, "q": [..], "p": [..]}, …]}`.
    public static func json(_ c: Circuit) throws -> String {
        var gates: [[String: Any]] = []
        for case let .gate(g, qs) in c.instructions {
            gates.append(["g": g.name, "q": qs, "p": try g.parameters.map { try $0.evaluate() }])
        }
        let data = try JSONSerialization.data(withJSONObject: ["qubits": c.numberOfQubits, "gates": gates], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// One timed run of a circuit, with derived throughput figures.
    public struct Timing: Sendable {
        /// Number of qubits n of the timed circuit.
        public var qubits: Int
        /// Number of gate instructions in the timed circuit (before fusion).
        public var gates: Int
        /// Best wall time over the repeats, in seconds.
        public var seconds: Double
        /// Throughput `gates / seconds` (unfused gate count, so fusion shows as a higher rate).
        public var gatesPerSecond: Double { Double(gates) / seconds }
        /// `gates × 2ⁿ × 32 bytes / seconds`, in GB/s.
        public var effectiveGBps: Double { Double(gates) * Double(1 << qubits) * 32 / seconds / 1e9 }
        /// `2ⁿ·Σ|ψ_i|⁴` of the final state, a checksum to check both simulators ran the same circuit.
        public var checksum: Double
    }

    /// Best of `repeats` runs from |0…0⟩ (state allocation excluded).
    public static func time(_ c: Circuit, fusion: Bool, repeats: Int = 3, threads: Int = 1) throws -> Timing {
        let sim = StateVectorSimulator(fusion: fusion, maxQubits: 30, threads: threads)
        var best = Double.infinity
        var z = 0.0
        for _ in 0..<max(repeats, 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let sv = try sim.state(c)
            let t1 = DispatchTime.now().uptimeNanoseconds
            best = min(best, Double(t1 - t0) / 1e9)
            z = sv.probabilities.reduce(0.0) { $0 + $1 * $1 } * Double(1 << c.numberOfQubits)
        }
        return Timing(qubits: c.numberOfQubits, gates: c.gateCount, seconds: best, checksum: z)
    }

    /// In-place read-modify-write bandwidth (GB/s, counting read + write) over a `2ⁿ × 16`-byte
    /// buffer: the memory-bound ceiling for a 1-qubit gate pass on this machine.
    public static func streamBandwidth(qubits n: Int, repeats: Int = 5) -> Double {
        var buf = [Double](repeating: 1, count: 2 << n)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            buf.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] = p[i] * 0.999_999 + 1e-9 }
            }
            let t1 = DispatchTime.now().uptimeNanoseconds
            best = min(best, Double(t1 - t0) / 1e9)
        }
        return Double(buf.count * 8 * 2) / best / 1e9
    }
}
