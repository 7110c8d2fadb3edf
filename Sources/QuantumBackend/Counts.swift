/// Measurement outcomes of a run: how often each classical bit string occurred.
///
/// Keys are bit strings of length `numberOfClbits` with classical bit `n−1` first (Qiskit's order).
public struct Counts: Hashable, Sendable {
    /// Total number of shots; the histogram values sum to it when built by a backend.
    public let shots: Int
    /// Width of every bit-string key.
    public let numberOfClbits: Int
    /// Occurrences per outcome; keys are `numberOfClbits`-character strings of `0`/`1`, clbit `n−1` first.
    public var histogram: [String: Int]

    /// Counts from a ready-made histogram; nothing is validated (keys not in the bit-string form are
    /// skipped by `probabilityVector()` and `parityExpectation(_:)`).
    public init(shots: Int, numberOfClbits: Int, histogram: [String: Int]) {
        self.shots = shots
        self.numberOfClbits = numberOfClbits
        self.histogram = histogram
    }

    /// Builds counts from integer outcomes (bit `k` of the integer is clbit `k`).
    public init(numberOfClbits: Int, outcomes: [Int: Int]) {
        var h: [String: Int] = [:]
        for (v, n) in outcomes { h[Counts.bitString(v, width: numberOfClbits)] = n }
        self.init(shots: outcomes.values.reduce(0, +), numberOfClbits: numberOfClbits, histogram: h)
    }

    /// `v` as a bit string, most significant (clbit `width−1`) first.
    public static func bitString(_ v: Int, width: Int) -> String {
        String((0..<width).reversed().map { (v >> $0) & 1 == 1 ? "1" : "0" })
    }

    /// Frequencies as a dense vector indexed by the integer value of the bit string (length 2ⁿ;
    /// throws `unsupported` above 26 classical bits).
    public func probabilityVector() throws -> [Double] {
        guard numberOfClbits <= 26 else { throw QuantumError.unsupported("dense distribution over \(numberOfClbits) bits") }
        var p = [Double](repeating: 0, count: 1 << numberOfClbits)
        for (k, n) in histogram { if let v = Int(k, radix: 2), v < p.count { p[v] += Double(n) / Double(max(shots, 1)) } }
        return p
    }

    /// Estimated `⟨Z_{c₁} Z_{c₂} …⟩` over the listed classical bits (parity expectation).
    public func parityExpectation(_ clbits: [Int]) -> Double {
        var e = 0.0
        for (k, n) in histogram {
            guard let v = Int(k, radix: 2) else { continue }
            let ones = clbits.reduce(0) { $0 + ((v >> $1) & 1) }
            e += (ones % 2 == 0 ? 1 : -1) * Double(n)
        }
        return e / Double(max(shots, 1))
    }
}
