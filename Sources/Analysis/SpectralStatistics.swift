/// Entropy and rank measures of one spectrum σ₁ ≥ σ₂ ≥ … ≥ 0 (of W, or of a whitened W S).
///
/// - Spectral (von Neumann) entropy: `H = −Σ pᵢ ln pᵢ` with `pᵢ = σᵢ²/Σσ²` (the energy
///   distribution; 0 for rank 1, ln r for r equal singular values).
/// - Effective rank (Roy & Vetterli, "The effective rank: a measure of effective dimensionality",
///   EUSIPCO 2007): `exp(−Σ qᵢ ln qᵢ)` with `qᵢ = σᵢ/Σσ` (1 for rank 1, r for a flat spectrum).
/// - Stable rank: `Σσᵢ²/σ₁² = ‖W‖_F²/‖W‖₂²` (≤ rank).
/// - Energy captured at rank k: `Σ_{i≤k} σᵢ²/Σσ²` — by Eckart–Young, 1 minus the relative squared
///   error of the best rank-k approximation.
/// Logarithms are natural (nats). Zero values contribute 0 (the limit p ln p → 0).
public struct SpectralStatistics: Sendable, Equatable, Codable {
    /// The spectrum, sorted non-increasing.
    public let singularValues: [Double]
    /// `Σσᵢ²`.
    public let totalEnergy: Double
    /// von Neumann entropy of `σᵢ²/Σσ²`, nats.
    public let spectralEntropy: Double
    /// Roy–Vetterli effective rank.
    public let effectiveRank: Double
    /// `Σσ²/σ₁²` (0 for the zero matrix).
    public let stableRank: Double

    /// Computes the statistics; throws `invalidSpectrum` on a negative or non-finite value.
    /// The input need not be sorted.
    public init(singularValues: [Double]) throws {
        if let i = singularValues.firstIndex(where: { !($0.isFinite && $0 >= 0) }) { throw AnalysisError.invalidSpectrum(index: i) }
        let s = singularValues.sorted(by: >)
        self.singularValues = s
        let e = s.reduce(0) { $0 + $1 * $1 }, l1 = s.reduce(0, +)
        totalEnergy = e
        var h = 0.0, hq = 0.0
        if e > 0 {
            for v in s where v > 0 {
                let p = v * v / e, q = v / l1
                h -= p * _log(p)
                hq -= q * _log(q)
            }
        }
        spectralEntropy = h
        effectiveRank = e > 0 ? _exp(hq) : 0
        stableRank = e > 0 ? e / (s[0] * s[0]) : 0
    }

    /// `H / ln r` with r the number of values (1 for a flat spectrum, 0 for rank one; 0 when r ≤ 1).
    public var normalizedEntropy: Double { singularValues.count > 1 ? spectralEntropy / _log(Double(singularValues.count)) : 0 }

    /// `Σ_{i≤k} σᵢ²/Σσ²` for k in 0…count (clamped); 1 for the zero matrix.
    public func energyCaptured(rank k: Int) -> Double {
        guard totalEnergy > 0 else { return 1 }
        let kk = Swift.max(0, Swift.min(k, singularValues.count))
        return singularValues.prefix(kk).reduce(0) { $0 + $1 * $1 } / totalEnergy
    }

    /// The smallest k with `energyCaptured(rank: k) ≥ fraction` (fraction in [0, 1]).
    public func rank(capturing fraction: Double) -> Int {
        guard totalEnergy > 0 else { return 0 }
        var acc = 0.0
        for (i, v) in singularValues.enumerated() {
            if acc / totalEnergy >= fraction { return i }
            acc += v * v
        }
        return singularValues.count
    }
}
