/// Target distributions for the quantum circuit Born machine.
public enum BornMachineTarget: Hashable, Sendable {
    /// Bars and stripes on a rows×cols grid (MacKay 2003): every image whose rows are all constant or
    /// whose columns are all constant, uniformly (`2^rows + 2^cols − 2` patterns); pixel (r, c) is qubit `r·cols + c`.
    case barsAndStripes(rows: Int, cols: Int)
    /// A Gaussian over the integers `0..<2ⁿ`, `p(x) ∝ exp(−(x−μ)²/(2s²))`, normalised.
    case gaussian(qubits: Int, mean: Double, std: Double)

    /// Qubits needed: `rows·cols` (one per pixel) for bars and stripes, `qubits` for the Gaussian.
    public var numberOfQubits: Int {
        switch self {
        case let .barsAndStripes(r, c): return r * c
        case let .gaussian(n, _, _): return n
        }
    }

    /// The distribution over basis indices (bit q = qubit q).
    public func distribution() throws -> [Double] {
        let n = numberOfQubits
        guard n >= 1 && n <= 16 else { throw QuantumError.invalidArgument("Born machine targets need 1…16 qubits, got \(n)") }
        var p = [Double](repeating: 0, count: 1 << n)
        switch self {
        case let .barsAndStripes(rows, cols):
            for bits in 0..<(1 << rows) {  // bars: row r is all bits[r]
                var x = 0
                for r in 0..<rows where (bits >> r) & 1 == 1 { for c in 0..<cols { x |= 1 << (r * cols + c) } }
                p[x] = 1
            }
            for bits in 0..<(1 << cols) {  // stripes: column c is all bits[c]
                var x = 0
                for c in 0..<cols where (bits >> c) & 1 == 1 { for r in 0..<rows { x |= 1 << (r * cols + c) } }
                p[x] = 1
            }
        case let .gaussian(_, mean, std):
            guard std > 0 else { throw QuantumError.invalidArgument("Gaussian std must be positive") }
            for x in p.indices { p[x] = _exp(-(Double(x) - mean) * (Double(x) - mean) / (2 * std * std)) }
        }
        let s = p.reduce(0.0, +)
        return p.map { $0 / s }
    }
}
