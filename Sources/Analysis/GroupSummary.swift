/// Aggregates of a group of `MatrixReport`s (one layer, or one kind such as q/k/v/o/gate/up/down).
public struct GroupSummary: Sendable, Equatable, Codable {
    /// The group key (`"layer 0"`, `"q"`, …).
    public let key: String
    /// Number of matrices.
    public let matrixCount: Int
    /// Σ mn.
    public let parameterCount: Int
    /// Mean of effective rank / min(m, n) over the driving spectra (whitened when present).
    public let meanEffectiveRankRatio: Double
    /// Mean normalised spectral entropy H/ln r of the driving spectra.
    public let meanNormalizedEntropy: Double
    /// Σ compressible mass (parameters saved at the tolerance used).
    public let compressibleMass: Int
    /// This group's share of the compressible mass of all groups summarised together.
    public let massShare: Double

    /// Groups `reports` by `key` and aggregates; groups keep the order of first appearance.
    /// `tolerance` is the relative energy a matrix may lose (see `MatrixReport.compressibleMass`).
    public static func summarize(_ reports: [MatrixReport], tolerance: Double,
                                 key: (MatrixReport) -> String) -> [GroupSummary] {
        var order: [String] = []
        var groups: [String: [MatrixReport]] = [:]
        for r in reports {
            let k = key(r)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(r)
        }
        let totalMass = reports.reduce(0) { $0 + $1.compressibleMass(tolerance: tolerance) }
        return order.map { k in
            let g = groups[k] ?? []
            let n = Double(max(g.count, 1))
            let mass = g.reduce(0) { $0 + $1.compressibleMass(tolerance: tolerance) }
            return GroupSummary(
                key: k, matrixCount: g.count, parameterCount: g.reduce(0) { $0 + $1.parameterCount },
                meanEffectiveRankRatio: g.reduce(0.0) { $0 + $1.driving.effectiveRank / Double(max(min($1.rows, $1.columns), 1)) } / n,
                meanNormalizedEntropy: g.reduce(0.0) { $0 + $1.driving.normalizedEntropy } / n,
                compressibleMass: mass, massShare: totalMass > 0 ? Double(mass) / Double(totalMass) : 0)
        }
    }

    /// Per layer (`"layer N"`, or `"unknown"` without a layer index).
    public static func byLayer(_ reports: [MatrixReport], tolerance: Double) -> [GroupSummary] {
        summarize(reports, tolerance: tolerance) { $0.layer.map { "layer \($0)" } ?? "unknown" }
    }

    /// Per kind (`kind`, or `"unknown"`).
    public static func byKind(_ reports: [MatrixReport], tolerance: Double) -> [GroupSummary] {
        summarize(reports, tolerance: tolerance) { $0.kind ?? "unknown" }
    }
}
