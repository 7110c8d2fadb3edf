import Analysis
import Decomposition
import LinearAlgebra
import ReferenceLM
import TensorCore
import WeightFormats

extension Compressor {
    /// Sequential calibration: factorizes every planned low-rank matrix block by block, each fitted to
    /// the inputs the *already-compressed* model gives it, so that errors of earlier blocks are seen
    /// (and partly corrected) instead of compounding unseen.
    ///
    /// The residual streams of every calibration window are kept for the original model (X side) and
    /// for the model compressed up to block l − 1 (Y side). For block l: both streams are run through
    /// the *original* block l, pairing each site's inputs row by row into `CrossActivationStatistics`
    /// (`YᵀY`, `XᵀY`, `XᵀX`); each matrix of the block is factored at its planned rank by
    /// `MeasurementAwareSVD.prepareSequential` (the rank-k `A B` minimising `‖X Wᵀ − Y Bᵀ Aᵀ‖_F²`),
    /// with `options.shrinkage` applied to `YᵀY` and `XᵀY` alike, then (with `options.refit`) A
    /// refitted by least squares on the unshrunk `XᵀY`, `YᵀY`; then the Y stream advances through the
    /// compressed block l and the X stream through the original one. Cost ≈ three forward passes over
    /// the calibration tokens plus the Gram products; memory: two residual streams (tokens × D Float32).
    /// With nothing compressed upstream (block 0) X = Y and the factors equal one-shot `masvd`'s.
    ///
    /// Ranks come from `plan` (allocated once on the one-shot spectra). Returns the stored tensors by
    /// name, as `compressTensor` would give them; `compress(options:to:)` calls it when
    /// `options.sequential`.
    public func sequentialFactors(_ plan: CompressionPlan, progress: ProgressReporter? = nil) throws -> [String: CompressedTensor] {
        let options = plan.options
        guard let sc = sequentialCalibration else {
            throw CompressionError.missingCalibration(file: source.path, tensor: plan.items.first?.name ?? "",
                                                      reason: "sequential calibration needs the model and calibration text (--calibration)")
        }
        let model = sc.model, layers = model.blocks.count
        var byLayer = [[(CompressionPlan.Item, TensorRole, Int)]](repeating: [], count: layers)
        for item in plan.items {
            guard case let .lowRank(k) = item.choice else { continue }
            guard let role = TensorRole(name: item.name), let l = role.layer, l < layers, ActivationSite(reading: role.kind) != nil else {
                throw CompressionError.unsupportedArchitecture(file: source.path, reason: "\(item.name) is not a block linear layer of the \(layers)-block model")
            }
            byLayer[l].append((item, role, k))
        }
        let windows = sc.windows
        var xs = try windows.map { try model.embedding($0) }  // original residual streams, (T_w, D) each
        var ys = xs                                            // partially compressed model's streams
        var current = model
        var out: [String: CompressedTensor] = [:]
        for l in 0..<layers {
            progress?.update(completed: l, total: layers, label: "sequential block \(l)")
            guard !byLayer[l].isEmpty else {
                for w in windows.indices {
                    try model.runBlock(l, residual: &xs[w], rows: windows[w].count)
                    try current.runBlock(l, residual: &ys[w], rows: windows[w].count)
                }
                continue
            }
            // Only the sites feeding a matrix factored in this block are paired (the n×n products dominate the cost).
            let needed = Set(byLayer[l].compactMap { ActivationSite(reading: $0.1.kind) })
            var stats: [ActivationSite: CrossActivationStatistics] = [:]
            for w in windows.indices {
                let rows = windows[w].count
                var captured: [ActivationSite: [Float]] = [:]
                var y = ys[w]
                try model.runBlock(l, residual: &y, rows: rows) { site, input in if needed.contains(site) { captured[site] = input } }
                try model.runBlock(l, residual: &xs[w], rows: rows) { site, input in
                    guard needed.contains(site) else { return }
                    var s = stats[site] ?? CrossActivationStatistics(width: input.count / rows)
                    try s.add(original: input, compressed: captured[site] ?? [], rows: rows)
                    stats[site] = s
                }
            }
            var replaced: [TensorRole: Linear] = [:]
            for (item, role, k) in byLayer[l] {
                guard let site = ActivationSite(reading: role.kind), let st = stats[site] else { continue }
                let t = try sequentialOrOneShotTensor(item, rank: k, statistics: st, options: options)
                out[item.name] = t
                if let f = t.lowRank { replaced[role] = try Linear.lowRank(a: f.a.tensor, b: f.b.tensor, name: item.name, source: "sequential") }
            }
            current = try current.replacingLinears { replaced[$0] }
            for w in windows.indices { try current.runBlock(l, residual: &ys[w], rows: windows[w].count) }
        }
        progress?.update(completed: layers, total: layers, label: "sequential done")
        return out
    }

    /// `sequentialTensor`, or — when the paired statistics are not finite (the partly compressed
    /// model upstream overflowed Float32 at an extreme budget) or the sequential factors are — the
    /// one-shot masvd tensor (`compressTensor` without sequential), whose manifest entry then says
    /// `"output"` rather than `"output-sequential"` for its measured error. Other failures are
    /// refused as before.
    func sequentialOrOneShotTensor(_ item: CompressionPlan.Item, rank k: Int, statistics st: CrossActivationStatistics,
                                   options: CompressionOptions) throws -> CompressedTensor {
        func oneShot() throws -> CompressedTensor {
            var o = options
            o.sequential = false
            return try compressTensor(item, options: o)
        }
        guard st.gram.allSatisfy(\.isFinite), st.cross.allSatisfy(\.isFinite) else { return try oneShot() }
        do { return try sequentialTensor(item, rank: k, statistics: st, options: options) } catch let e as CompressionError { throw e } catch {
            if case LinearAlgebraError.nonFinite = error { return try oneShot() }
            if case DecompositionError.linearAlgebra(.nonFinite) = error { return try oneShot() }
            throw CompressionError.factorization(file: source.path, tensor: item.name, reason: "sequential: \(error)")
        }
    }

    /// One matrix of the sequential pass, stored as `write` stores it. The measured error is the
    /// relative sequential output error `‖X Wᵀ − Y Ŵᵀ‖_F / ‖X Wᵀ‖_F` on the calibration rows
    /// (metric `"output-sequential"`, from the unshrunk statistics); the predicted one is
    /// `√(Σ_{i>k} σᵢ(T)² / Σ σᵢ(T)²)` of the sequential target T = W C S_y⁻ᵀ.
    func sequentialTensor(_ item: CompressionPlan.Item, rank k: Int, statistics st: CrossActivationStatistics,
                          options: CompressionOptions) throws -> CompressedTensor {
        let w = try _matrix(try loadFinite(item.name), item.name)
        let originalType = source.info(item.name)?.storage.description ?? "F32"
        let (c, gy, gx) = try st.matrices()
        let dec = try MeasurementAwareSVD.prepareSequential(w, crossGram: options.shrinkage.applyCross(c, reference: gy),
                                                            compressedGram: options.shrinkage.apply(gy))
        let r = try dec.factors(rank: k)
        var factors = r.factors
        if options.refit {
            let a = try LeastSquaresRefit.refitLeft(weight: w.converted(to: Double.self), right: factors.b.converted(to: Double.self),
                                                    crossGram: c, inputGram: gy)
            factors = try LowRankFactors(a: a.converted(to: Float.self), b: factors.b)
        }
        let dtype = options.dtype
        let aBytes = StoredCodec.encode(factors.a.values, as: dtype), bBytes = StoredCodec.encode(factors.b.values, as: dtype)
        let stored = try LowRankFactors(
            a: try Matrix<Float>(rows: factors.rows, columns: k, values: aBytes.withUnsafeBytes { StoredCodec.decode($0, as: dtype) ?? [] }),
            b: try Matrix<Float>(rows: k, columns: factors.columns, values: bBytes.withUnsafeBytes { StoredCodec.decode($0, as: dtype) ?? [] }))
        // ‖X Wᵀ − Y Ŵᵀ‖² = tr(W Gx Wᵀ) − 2 tr(W C Ŵᵀ) + tr(Ŵ Gy Ŵᵀ), C = XᵀY.
        let wd = w.converted(to: Double.self), what = try stored.reconstructed().converted(to: Double.self)
        let wgx = try wd.multiplied(by: gx), wc = try wd.multiplied(by: c), hgy = try what.multiplied(by: gy)
        var ex = 0.0, cross = 0.0, ey = 0.0
        for i in 0..<wd.values.count {
            ex += wgx.values[i] * wd.values[i]; cross += wc.values[i] * what.values[i]; ey += hgy.values[i] * what.values[i]
        }
        let measured = ex > 0 ? (max(ex - 2 * cross + ey, 0) / ex).squareRoot() : 0
        let predicted = r.totalOutputEnergy > 0 ? r.relativePredictedError.squareRoot() : 0
        return CompressedTensor.lowRank(name: item.name, stored: stored, aBytes: aBytes, bBytes: bBytes, dtype: dtype,
                                        method: options.refit ? "masvd-refit" : "masvd", originalShape: [w.rows, w.columns], originalType: originalType,
                                        predicted: predicted, predictedMetric: "output", measured: measured, measuredMetric: "output-sequential")
    }
}
