import Decomposition
import Foundation
import LinearAlgebra
import TensorCore

extension Compressor {
    /// The Cholesky whitening of the calibration group feeding tensor `name` (G = L Lᵀ, or G + λI
    /// when G is not numerically positive definite), computed once per group: q/k/v share one,
    /// gate/up share one (`_WhiteningCache` keeps the last few groups).
    /// The Gram matrix masvd's fast path uses for tensor `name` (whitening, refit and measured
    /// error all read it here): the calibration group's G with `shrinkage` applied. A transform of G
    /// belongs here and in `whiteningKey(for:shrinkage:)`, nowhere else.
    func masvdGram(for name: String, shrinkage: GramShrinkage) throws -> Matrix<Double>? {
        guard let g = try calibration?.loadStatistics(for: name)?.gram else { return nil }
        return shrinkage == .none ? g : try shrinkage.apply(g)
    }

    /// The `_WhiteningCache` key of tensor `name`'s whitening: its calibration group and the shrinkage.
    func whiteningKey(for name: String, shrinkage: GramShrinkage) -> String? {
        calibration?.group(for: name).map { shrinkage == .none ? $0 : $0 + "|" + shrinkage.label }
    }

    func cholesky(for name: String, dimension: Int, shrinkage: GramShrinkage) throws -> (whitening: InputWhitening, lower: Matrix<Double>) {
        let origin = calibration?.origin ?? source.path
        guard calibration != nil, let group = whiteningKey(for: name, shrinkage: shrinkage) else {
            throw CompressionError.missingCalibration(file: origin, tensor: name, reason: "masvd needs the Gram matrix of its inputs (--stats or --calibration)")
        }
        let whitening = try whitenings.whitening(group) {
            guard let g = try masvdGram(for: name, shrinkage: shrinkage) else {
                throw CompressionError.missingCalibration(file: origin, tensor: name, reason: "no Gram matrix")
            }
            guard g.rows == dimension else {
                throw CompressionError.invalidStatistics(file: origin, field: name, reason: "statistics of dimension \(g.rows), the layer has \(dimension) inputs")
            }
            return try InputWhitening.cholesky(gram: g)
        }
        guard case let .cholesky(l, _) = whitening, l.rows == dimension else {
            throw CompressionError.invalidStatistics(file: origin, field: name, reason: "statistics do not match the layer's \(dimension) inputs")
        }
        return (whitening, l)
    }

    /// Pass 1 of masvd for one matrix (`GramTruncation.weightedSpectrum`), taken from the spectrum
    /// store when pass 1 already computed it with at least `keep` vectors; `lower` (L and its
    /// shift) is only asked for when it must be computed.
    /// `consume`: pass 2's read, the last one (`_SpectrumStore.load(_:consume:)`).
    func weightedSpectrum(_ name: String, _ w: Matrix<Float>, keep: Int, shrinkage: GramShrinkage, consume: Bool = false,
                          lower: () throws -> (Matrix<Double>, Double)) throws -> GramTruncation.WeightedSpectrum {
        let store = cache?.spectra ?? spectra
        let key = shrinkage == .none ? name : name + "|" + shrinkage.label
        if let s = store?.load(key, consume: consume), s.rows == w.rows, s.columns == w.columns, s.kept >= min(keep, s.dimension) { return s }
        let (l, shift) = try lower()
        let s = try GramTruncation.weightedSpectrum(w, lower: l, shift: shift, keep: keep, precision: gramPrecision)
        store?.store(key, s)
        return s
    }

    /// How many singular vectors pass 1 keeps for pass 2: every one when decompositions are cached
    /// in memory (any later budget); the planned rank of `name` when the plan is known before pass 1
    /// (`plannedRanks`); else up to the break-even rank (a plan never factors above it when dense is
    /// allowed; a larger rank recomputes). The back-transformation (`ormtr`) and the spilled vectors
    /// scale with this count.
    func keptVectors(_ name: String, rows m: Int, columns n: Int) -> Int {
        if cache != nil { return min(m, n) }
        if let k = plannedRanks[name] { return max(1, min(k, min(m, n))) }
        return max(1, min(min(m, n), (m * n - 1) / (m + n)))
    }

    /// Pass 2 of masvd for one matrix: factors from the pass-1 spectrum (`weightedFactors`; L is
    /// only needed when m > n), stored as `dtype`, with the predicted error √(Σ_{i>k} λᵢ / Σ λᵢ)
    /// and the output error of the stored factors, √(tr(E G Eᵀ) / tr(W G Wᵀ)) with E = W − A_s B_s
    /// and the unshifted G (`GramTruncation.outputResidual`, relative accuracy ≈ 10⁻⁶).
    func measurementAwareTensor(_ w: Matrix<Float>, name: String, originalType: String, rank k: Int,
                                options: CompressionOptions) throws -> CompressedTensor {
        let dtype = options.dtype
        let tall = w.rows > w.columns
        var chol: (whitening: InputWhitening, lower: Matrix<Double>)? = nil
        func lowerFactor() throws -> (whitening: InputWhitening, lower: Matrix<Double>) {
            if let c = chol { return c }
            let c = try cholesky(for: name, dimension: w.columns, shrinkage: options.shrinkage)
            chol = c
            return c
        }
        let spectrum = try weightedSpectrum(name, w, keep: max(k, keptVectors(name, rows: w.rows, columns: w.columns)), shrinkage: options.shrinkage,
                                            consume: true) {
            let c = try lowerFactor(); return (c.lower, c.whitening.shift)
        }
        let lower = tall ? try lowerFactor().lower : nil
        let wd = w.converted(to: Double.self)
        let t = try GramTruncation.weightedFactors(spectrum, weight: wd, lower: lower, rank: k)
        var left = t.a
        if options.refit, let g = try masvdGram(for: name, shrinkage: options.shrinkage) {
            left = try LeastSquaresRefit.refitLeft(weight: wd, right: t.b, gram: g)
        }
        let factors = try LowRankFactors(a: left.converted(to: Float.self), b: t.b.converted(to: Float.self))
        let total = spectrum.eigenvalues.reduce(0, +)
        let tail = spectrum.eigenvalues.dropFirst(k).reduce(0, +)
        let predicted = total > 0 ? (tail / total).squareRoot() : 0
        let aBytes = StoredCodec.encode(factors.a.values, as: dtype), bBytes = StoredCodec.encode(factors.b.values, as: dtype)
        let a = try Matrix<Float>(rows: factors.rows, columns: k, values: aBytes.withUnsafeBytes { StoredCodec.decode($0, as: dtype) ?? [] })
        let b = try Matrix<Float>(rows: k, columns: factors.columns, values: bBytes.withUnsafeBytes { StoredCodec.decode($0, as: dtype) ?? [] })
        let stored = try LowRankFactors(a: a, b: b)
        let num: Double
        if tall, spectrum.shift == 0, let l = lower {
            num = try GramTruncation.outputResidual(weight: w, a: a, b: b, lower: l, gram: nil)
        } else {
            guard let g = try masvdGram(for: name, shrinkage: options.shrinkage) else {
                throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: name, reason: "no Gram matrix")
            }
            num = try GramTruncation.outputResidual(weight: w, a: a, b: b, lower: nil, gram: g)
        }
        let den = spectrum.outputEnergy
        let measured = den > 0 ? (max(num, 0) / den).squareRoot() : 0
        return CompressedTensor.lowRank(name: name, stored: stored, aBytes: aBytes, bBytes: bBytes, dtype: dtype,
                                        method: options.refit ? "masvd-refit" : "masvd", originalShape: [w.rows, w.columns], originalType: originalType,
                                        predicted: predicted, predictedMetric: "output", measured: measured, measuredMetric: "output")
    }
}

/// The Cholesky whitenings of the last few calibration groups (q, k, v and o alternate in GGUF
/// order: attn_k, attn_output, attn_q, attn_v), so each group is factored once per pass; workers
/// factoring different groups do not wait for each other (`_KeyedCache`).
final class _WhiteningCache: @unchecked Sendable {
    private let cache = _KeyedCache<InputWhitening>(capacity: 3)

    func whitening(_ group: String, make: () throws -> InputWhitening) throws -> InputWhitening {
        try cache.value(group, make: make)
    }
}
