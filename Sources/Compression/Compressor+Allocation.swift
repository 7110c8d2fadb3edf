import Analysis
import Decomposition
import LinearAlgebra
import ReferenceLM
import WeightFormats

extension Compressor {
    /// Statistics with their Gram matrix shrunk (`GramShrinkage`); unchanged for `.none`.
    func shrunk(_ stats: CalibrationStatistics?, _ shrinkage: GramShrinkage) throws -> CalibrationStatistics? {
        guard let s = stats, let g = s.gram, shrinkage != .none else { return stats }
        return try CalibrationStatistics(gram: shrinkage.apply(g), meanAbsolute: s.meanAbsolute, sampleCount: s.sampleCount)
    }

    /// The allocator's per-matrix importance for `loss` (1 for relative and absolute energy).
    ///
    /// `.residualStream`: for a matrix of layer l, `E_sub / R`, with `E_sub = Σ σᵢ²` of the whitened
    /// spectrum of the sub-layer's output projection (`attn_output` for q/k/v/o, `ffn_down` for
    /// gate/up/down: its output energy `tr(W G Wᵀ)` on the calibration rows) and `R` the residual
    /// stream energy entering that sub-layer over the same rows. Throws `missingCalibration` when the
    /// spectra are not whitened or the calibration has no residual energies (statistics files).
    public func allocationImportance(_ analysis: CompressionAnalysis, loss: AllocationLoss) throws -> [Double] {
        guard loss == .residualStream else { return [Double](repeating: 1, count: analysis.matrices.count) }
        guard analysis.spectrum == .whitened else {
            throw CompressionError.invalidBudget("the residual-stream loss needs whitened spectra (masvd), not \(analysis.spectrum.rawValue)")
        }
        var outputEnergy: [String: Double] = [:]  // "l.attn" / "l.ffn" → E_sub
        for m in analysis.matrices {
            guard let r = TensorRole(name: m.name), let l = r.layer else { continue }
            let e = m.singularValues.reduce(0) { $0 + $1 * $1 }
            if r.kind == .attnOutput { outputEnergy["\(l).attn"] = e }
            if r.kind == .ffnDown { outputEnergy["\(l).ffn"] = e }
        }
        return try analysis.matrices.map { m in
            guard let r = TensorRole(name: m.name), let l = r.layer else { return 1 }
            let mlp = [.ffnGate, .ffnUp, .ffnDown].contains(r.kind)
            let key = ActivationRecorder.residualKey(layer: l, beforeMLP: mlp)
            guard let resid = calibration?.residualEnergy[key], resid > 0 else {
                throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: m.name,
                                                          reason: "the residual-stream loss needs residual energies, recorded in-process (--calibration), not read from a statistics file")
            }
            guard let sub = outputEnergy["\(l).\(mlp ? "ffn" : "attn")"] else {
                throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: m.name,
                                                          reason: "no output projection of layer \(l)'s \(mlp ? "MLP" : "attention") among the compressed matrices")
            }
            return sub / resid
        }
    }
}
