/// How TT-SVD chooses each bond rank.
public enum TensorTrainTruncation: Sendable, Equatable {
    /// Relative accuracy ε: per-step threshold δ = ε‖A‖_F/√(d−1), each rank the smallest whose
    /// discarded tail has norm ≤ δ, guaranteeing ‖A − TT‖_F ≤ ε‖A‖_F (Oseledets 2011, Thm 2.2).
    case relativeAccuracy(Double)
    /// At most `ranks[k]` at cut k (d − 1 values); no accuracy target.
    case maxRanks([Int])
    /// Both: the accuracy rule, then capped by the maximum ranks (the bound then no longer holds).
    case relativeAccuracyAndMaxRanks(Double, [Int])

    var epsilon: Double? {
        switch self {
        case let .relativeAccuracy(e), let .relativeAccuracyAndMaxRanks(e, _): return e
        case .maxRanks: return nil
        }
    }

    var caps: [Int]? {
        switch self {
        case let .maxRanks(r), let .relativeAccuracyAndMaxRanks(_, r): return r
        case .relativeAccuracy: return nil
        }
    }
}
