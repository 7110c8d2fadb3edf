import Analysis
import Compression
import Decomposition
import Foundation
import LinearAlgebra
import ReferenceLM
import TensorCore
import WeightFormats

/// Runs the whole comparison behind `allone-compress report`: the dense model's perplexity, one
/// calibration pass (Gram matrices of every linear layer's inputs), then every method at every budget,
/// each compressed with `Compressor` (the code `compress` uses) and evaluated natively by the reference
/// runtime (low-rank layers as two GEMMs), on the same calibration and evaluation text.
public enum ReportRunner {
    /// What to run.
    public struct Options: Sendable {
        public var model: String
        public var calibrationText: String
        public var evaluationText: String
        public var ratios: [Double]
        public var methods: [ReportMethod]
        public var context: Int
        public var calibrationTokens: Int
        public var evaluationTokens: Int
        /// Perplexity tolerance for claim (b).
        public var tolerance: Double

        public init(model: String, calibrationText: String, evaluationText: String, ratios: [Double] = [0.1, 0.2, 0.3, 0.4],
                    methods: [ReportMethod] = ReportMethod.allCases, context: Int = 256, calibrationTokens: Int = 8192,
                    evaluationTokens: Int = 8192, tolerance: Double = 0.10) {
            self.model = model; self.calibrationText = calibrationText; self.evaluationText = evaluationText
            self.ratios = ratios; self.methods = methods; self.context = context; self.calibrationTokens = calibrationTokens
            self.evaluationTokens = evaluationTokens; self.tolerance = tolerance
        }
    }

    /// Runs everything and returns the report (nothing is written).
    public static func run(_ o: Options, progress: ProgressReporter? = nil, log: ((String) -> Void)? = nil) throws -> ComparisonReport {
        let start = Date()
        guard !o.ratios.isEmpty, o.ratios.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw CompressionError.invalidBudget("ratios must lie in (0, 1), got \(o.ratios)")
        }
        let lm = try LanguageModel.load(path: o.model)
        let model = lm.model
        guard let bos = lm.tokenizer.bosID else {
            throw ReferenceLMError.invalidArgument("\(o.model): the tokenizer has no BOS token, needed by the perplexity protocol")
        }
        func tokens(_ path: String, _ n: Int) throws -> [Int] {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ReferenceLMError.file(path: path, reason: "cannot read text: \(error.localizedDescription)")
            }
            let t = Array(lm.tokenizer.encode(text, addBOS: false).prefix(n))
            guard !t.isEmpty else { throw ReferenceLMError.file(path: path, reason: "no text to evaluate (the file is empty)") }
            return t
        }
        let evalTokens = try tokens(o.evaluationText, o.evaluationTokens)
        func perplexity(_ m: LlamaModel) throws -> PerplexityResult {
            try Perplexity.evaluate(model: m, tokens: evalTokens, bos: bos, context: o.context)
        }
        log?("dense perplexity on \(evalTokens.count) tokens…")
        let dense = try perplexity(model)
        log?(String(format: "dense perplexity %.3f (%.0f tokens/s)", dense.perplexity, dense.tokensPerSecond))

        // Calibration: one pass, shared by every measurement-aware method (the same code as `compress --calibration`).
        let calibrationText: String
        do { calibrationText = try String(contentsOfFile: o.calibrationText, encoding: .utf8) } catch {
            throw ReferenceLMError.file(path: o.calibrationText, reason: "cannot read text: \(error.localizedDescription)")
        }
        guard !lm.tokenizer.encode(calibrationText, addBOS: false).isEmpty else {
            throw ReferenceLMError.file(path: o.calibrationText, reason: "no calibration text (the file is empty)")
        }
        let calibration = try CalibrationSet.record(model: lm, text: calibrationText, maxTokens: o.calibrationTokens,
                                                    context: o.context, origin: o.calibrationText)
        let source = try Checkpoints.open(o.model)
        log?("calibrated on \(calibration.tokens) tokens")

        let compressor = try Compressor(source: source, calibration: calibration)
        if o.methods.contains(where: { $0.options(ratio: 0.5)?.sequential == true }) {
            compressor.sequentialCalibration = try SequentialCalibration(model: lm, text: calibrationText, maxTokens: o.calibrationTokens,
                                                                         context: o.context)
        }
        let cache = DecompositionCache()
        compressor.cache = cache
        let labels = compressor.linearTensors.map(\.name)
        let denseParameters = source.tensors.reduce(0) { $0 + $1.elementCount }
        let linearParameters = compressor.linearTensors.reduce(0) { $0 + $1.elementCount }
        let otherParameters = denseParameters - linearParameters

        var runs: [ComparisonReport.Run] = []
        let lowRank = o.methods.filter { !$0.isQuantization }
        let spectrumOrder: [CompressionAnalysis.Spectrum] = [.weight, .scaled, .whitened]
        var analyses: [CompressionAnalysis.Spectrum: CompressionAnalysis] = [:]
        let minRatio = o.ratios.min()!
        for spectrum in spectrumOrder {
            let methods = lowRank.filter { compressor.spectrum(for: $0.options(ratio: minRatio)!) == spectrum }
            guard !methods.isEmpty || spectrum == .weight else { continue }
            cache.removeAll()
            log?("spectra (\(spectrum.rawValue))…")
            let analysis = try compressor.analyze(spectrum: spectrum, progress: progress)
            analyses[spectrum] = analysis
            var shrunkAnalyses: [String: CompressionAnalysis] = [:]
            for method in methods {
                for ratio in o.ratios.sorted() {
                    let options = method.options(ratio: ratio)!
                    let t0 = Date()
                    var methodAnalysis = analysis
                    if options.shrinkage != .none {
                        if shrunkAnalyses[options.shrinkage.label] == nil {
                            shrunkAnalyses[options.shrinkage.label] = try compressor.analyze(spectrum: spectrum, shrinkage: options.shrinkage)
                        }
                        methodAnalysis = shrunkAnalyses[options.shrinkage.label]!
                    }
                    let plan = try compressor.plan(methodAnalysis, options: options)
                    let sequential = options.sequential ? try compressor.sequentialFactors(plan) : [:]
                    var tensors: [CompressedTensor] = []
                    var kept: [Double] = []
                    var heads: [Double] = []
                    for (i, item) in plan.items.enumerated() {
                        progress?.update(completed: i, total: plan.items.count, label: "\(method.rawValue) \(Int(ratio * 100))% \(item.name)")
                        let c = try sequential[item.name] ?? compressor.compressTensor(item, options: options)
                        kept.append(Double(item.plannedParameters) / Double(item.rows * item.columns))
                        // Head specialization at the smallest budget, on the attention projections.
                        if ratio == minRatio, let role = source.info(item.name)?.role, role.kind == .attnQ || role.kind == .attnOutput,
                           let approx = try c.lowRank?.reconstructed() ?? c.tensorTrain?.contracted() {
                            let t = try source.float32(item.name)
                            let w = try Matrix<Float>(rows: t.shape[0], columns: t.shape[1], values: t.storage)
                            let hs = try HeadSpecialization.compare(original: w, compressed: approx, heads: model.config.headCount,
                                                                    axis: role.kind == .attnQ ? .rows : .columns)
                            heads.append(hs.specializationPreserved)
                        }
                        if c.lowRank != nil || c.tensorTrain != nil { tensors.append(c) }
                    }
                    let seconds = Date().timeIntervalSince(t0)
                    // TT layers are evaluated through their contraction (the same function; the core-by-core
                    // apply is too slow to evaluate a whole model at every budget).
                    let compressed = try model.replacingLinears(with: tensors, contractTensorTrains: true)
                    let p = try perplexity(compressed)
                    let after = plan.linearParametersAfter
                    runs.append(.init(method: method.rawValue, targetRatio: ratio,
                                      fractionRemoved: 1 - Double(after) / Double(linearParameters),
                                      parameters: otherParameters + after, bytes: 4 * (otherParameters + after),
                                      perplexity: p.perplexity, meanNLL: p.meanNLL, compressSeconds: seconds,
                                      denseMatrices: plan.items.filter { $0.choice == .dense }.count, keptFractions: kept,
                                      headSpecialization: heads.isEmpty ? nil : heads.reduce(0, +) / Double(heads.count)))
                    log?(String(format: "%@ at %.0f%%: perplexity %.3f", method.rawValue, ratio * 100, p.perplexity))
                }
            }
        }
        cache.removeAll()

        for method in o.methods where method.isQuantization {
            let type: GGMLType = method == .q8_0 ? .q8_0 : .q4_0
            var linears: [String: Linear] = [:]
            var bytes = 4 * otherParameters
            for (i, info) in compressor.linearTensors.enumerated() {
                progress?.update(completed: i, total: labels.count, label: "\(method.rawValue) \(info.name)")
                let t = try source.float32(info.name)
                guard (t.shape.last ?? 0) % type.blockSize == 0 else {
                    bytes += 4 * t.count
                    continue
                }
                let q = try GGMLQuantize.quantize(t.storage, to: type)
                bytes += q.count
                linears[info.name] = .dense(Tensor(shape: t.shape, storage: try GGMLDequantize.dequantize(type, bytes: q))!)
            }
            let m = try model.replacingLinears { role in source.info(for: role).flatMap { linears[$0.name] } }
            let p = try perplexity(m)
            runs.append(.init(method: method.rawValue, targetRatio: 0, fractionRemoved: 0, parameters: denseParameters, bytes: bytes,
                              perplexity: p.perplexity, meanNLL: p.meanNLL, compressSeconds: 0, denseMatrices: 0,
                              note: "\(type.name) round trip of the block linear layers; other tensors F32"))
            log?(String(format: "%@: perplexity %.3f at %d bytes", method.rawValue, p.perplexity, bytes))
        }
        progress?.finish()

        // Layer statistics from the weight spectra (the same figures as `analyze`).
        let weight = analyses[.weight]!
        let reports = try weight.matrices.map { m -> MatrixReport in
            let role = TensorRole(name: m.name)
            let plain = try SpectralStatistics(singularValues: m.singularValues)
            let ranks = [16, 32, 64, 128, 256]
            return MatrixReport(label: m.name, layer: role?.layer, kind: role?.kind.rawValue, rows: m.rows, columns: m.columns,
                                plain: plain, whitened: nil, candidateRanks: ranks, energyAtCandidates: ranks.map { plain.energyCaptured(rank: $0) },
                                breakEvenRank: LowRankFactors.breakEvenRank(rows: m.rows, columns: m.columns), bondEntropies: nil)
        }
        let study = ModelAnalysis(matrices: reports, tolerance: 0.05, source: o.model, format: source.formatDescription)
        let layers = study.byLayer
        var spectra: [String: [Double]] = [:]
        let lastLayer = reports.compactMap(\.layer).max() ?? 0
        for r in reports where (r.layer == 0 || r.layer == lastLayer) && (r.kind == "attn_q" || r.kind == "ffn_down") {
            spectra[r.label] = r.plain.singularValues
        }
        let claims = ClaimEvaluator.evaluate(runs: runs, densePerplexity: dense.perplexity, layerZeroShare: study.layerZeroShare,
                                             tolerance: o.tolerance)
        let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].map { "OPENBLAS_NUM_THREADS=\($0)" } ?? "OpenBLAS default"
        return ComparisonReport(
            toolVersion: AlloneVersion.string, model: o.model, modelSHA256: compressor.sourceSHA256,
            calibrationText: o.calibrationText, calibrationTokens: calibration.tokens, evaluationText: o.evaluationText,
            evaluationTokens: dense.tokens, context: o.context, threads: threads, denseParameters: denseParameters,
            denseLinearParameters: linearParameters, denseBytes: 4 * denseParameters, densePerplexity: dense.perplexity,
            ratios: o.ratios, runs: runs, matrixLabels: labels, layerEntropy: layers.map(\.meanNormalizedEntropy),
            layerEffectiveRank: layers.map(\.meanEffectiveRankRatio), layerZeroShare: study.layerZeroShare, spectra: spectra,
            claims: claims, seconds: Date().timeIntervalSince(start))
    }
}
