/// What the greedy allocator (`--allocate entropy`) minimises, per matrix at rank k, with
/// `d(k) = Σ_{i>k} σᵢ²` the discarded energy of the driving (whitened) spectrum and `E = Σ σᵢ²`.
public enum AllocationLoss: String, Sendable, Equatable, Codable, CaseIterable {
    /// `d(k)/E`: every matrix's relative output error weighs the same (SVD-LLM's identity makes it
    /// the relative output error on calibration data). The default.
    case relativeEnergy = "relative"
    /// `d(k)`: absolute output error; matrices with loud outputs weigh more.
    case absoluteEnergy = "absolute"
    /// `d(k)/E · E_sub/R`: the relative error scaled by how much the sub-layer holding the matrix
    /// writes into the residual stream — `E_sub` the output energy of its attention (`W_o`) or MLP
    /// (`W_down`) projection, `R = Σ‖x‖²` the residual stream entering that sub-layer, both over
    /// the calibration rows. An error of relative size ε in a sub-layer perturbs the stream by about
    /// ε·√(E_sub/R) of its norm, which the next RMSNorm carries forward. Needs residual energies
    /// (`CalibrationSet.residualEnergy`, recorded in-process) and whitened spectra.
    case residualStream = "residual"
}
