/// How `RankAllocator` turns a matrix's discarded energy into a loss comparable across matrices.
public enum LossNormalization: String, Sendable, Equatable, Codable {
    /// `Σ_{i>k} σᵢ² / Σ σᵢ²`: the relative (output) error of the matrix — every matrix weighs the same
    /// before `importance`. The default.
    case relativeEnergy
    /// `Σ_{i>k} σᵢ²` as given: for spectra the caller has already scaled by a sensitivity (e.g. whitened
    /// with statistics of the loss gradient), so that absolute energies are comparable.
    case absoluteEnergy
}
