import LinearAlgebra

/// Per-head spectra of one attention projection before and after compression, and the
/// "specialization preserved" figure (docs/ANALYSIS.md).
///
/// For head h with slice W_h (rows axis: d×in, the input directions it reads are its right
/// singular vectors; columns axis: out×d, the output directions it writes are its left singular
/// vectors), let r_h = clamp(round(effective rank of W_h), 1, d) and P_h the orthonormal basis of
/// its top r_h directions; P̂_h likewise from the compressed slice Ŵ_h (only directions with
/// σ̂ > 10⁻⁶ σ̂₁, at most r_h). The head's overlap is `o_h = ‖P_hᵀ P̂_h‖_F² / r_h ∈ [0, 1]` (the
/// mean squared cosine of the principal angles), and
/// `specializationPreserved = (1/H) Σ_h o_h`: 1 when every head still reads (writes) the same
/// dominant subspace, → 0 when compression has mixed heads' subspaces or erased them.
public struct HeadSpecialization: Sendable, Equatable, Codable {
    /// Number of heads H.
    public let heads: Int
    /// Which axis holds the heads.
    public let axis: HeadAxis
    /// Spectral statistics of each head's original slice.
    public let before: [SpectralStatistics]
    /// … and of each compressed slice.
    public let after: [SpectralStatistics]
    /// o_h per head.
    public let overlap: [Double]

    /// (1/H) Σ_h o_h.
    public var specializationPreserved: Double { overlap.isEmpty ? 0 : overlap.reduce(0, +) / Double(overlap.count) }
    /// Mean over heads of erank(Ŵ_h)/erank(W_h).
    public var meanEffectiveRankRatio: Double {
        let pairs = zip(before, after).filter { $0.0.effectiveRank > 0 }
        return pairs.isEmpty ? 0 : pairs.reduce(0.0) { $0 + $1.1.effectiveRank / $1.0.effectiveRank } / Double(pairs.count)
    }

    /// The slices of `weight` per head.
    public static func slices(_ weight: Matrix<Float>, heads: Int, axis: HeadAxis) throws -> [Matrix<Float>] {
        let extent = axis == .rows ? weight.rows : weight.columns
        guard heads >= 1, extent % heads == 0 else {
            throw AnalysisError.invalidHeadSplit(context: "\(extent) \(axis == .rows ? "rows" : "columns") do not split into \(heads) heads")
        }
        let d = extent / heads
        return try _wrap {
            try (0..<heads).map { h in
                axis == .rows ? try weight.rowSlice((h * d)..<((h + 1) * d)) : try weight.columnSlice((h * d)..<((h + 1) * d))
            }
        }
    }

    /// Spectral statistics of every head's slice.
    public static func perHead(_ weight: Matrix<Float>, heads: Int, axis: HeadAxis) throws -> [SpectralStatistics] {
        try slices(weight, heads: heads, axis: axis).map { s in
            try SpectralStatistics(singularValues: try _wrap { try SingularValueDecomposition(s) }.singularValues.map(Double.init))
        }
    }

    /// Compares `original` with `compressed` (same shape) head by head.
    public static func compare(original: Matrix<Float>, compressed: Matrix<Float>, heads: Int, axis: HeadAxis) throws -> HeadSpecialization {
        guard original.rows == compressed.rows, original.columns == compressed.columns else {
            throw AnalysisError.invalidHeadSplit(context: "original \(original.rows)×\(original.columns) vs compressed \(compressed.rows)×\(compressed.columns)")
        }
        let a = try slices(original, heads: heads, axis: axis), b = try slices(compressed, heads: heads, axis: axis)
        var before: [SpectralStatistics] = [], after: [SpectralStatistics] = [], overlap: [Double] = []
        for (wa, wb) in zip(a, b) {
            let sa = try _wrap { try SingularValueDecomposition(wa) }, sb = try _wrap { try SingularValueDecomposition(wb) }
            let stA = try SpectralStatistics(singularValues: sa.singularValues.map(Double.init))
            let stB = try SpectralStatistics(singularValues: sb.singularValues.map(Double.init))
            before.append(stA); after.append(stB)
            let d = sa.count
            let r = Swift.max(1, Swift.min(d, Int(stA.effectiveRank.rounded())))
            let top = Double(sb.singularValues.first ?? 0)
            let rb = Swift.min(r, sb.singularValues.filter { Double($0) > 1e-6 * top }.count)
            // Basis vectors as rows: right singular vectors (rows of Vᵀ) or left ones (columns of U, transposed).
            let pa = try _wrap { axis == .rows ? try sa.vt.rowSlice(0..<r) : try sa.u.columnSlice(0..<r).transposed() }
            var o = 0.0
            if rb > 0 {
                let pb = try _wrap { axis == .rows ? try sb.vt.rowSlice(0..<rb) : try sb.u.columnSlice(0..<rb).transposed() }
                let cross = try _wrap { try pa.converted(to: Double.self).multiplied(by: pb.converted(to: Double.self), transposeOther: true) }
                o = cross.values.reduce(0) { $0 + $1 * $1 } / Double(r)
            }
            overlap.append(Swift.min(1, o))
        }
        return HeadSpecialization(heads: heads, axis: axis, before: before, after: after, overlap: overlap)
    }
}
