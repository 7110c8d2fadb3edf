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
/// each compressed with `Compressor` (the code `compress` uses) and evaluated by the reference runtime
/// (low-rank layers natively as two GEMMs; TT layers through their contraction), on the same
/// calibration and evaluation text; then the quantization references, and the product's method
/// (`masvd+best`, else `masvd+alloc`) planned at each reference's byte size (equal bytes, stored F16).
public enum ReportRunner {
    /// Fewest evaluation tokens accepted (`--eval-tokens` and what the evaluation text gives): fewer
    /// make a perplexity whose noise swamps the differences the report compares.
    public static let minimumEvaluationTokens = 128
    /// Stored element type of the equal-bytes runs; the quantization references count the tensors
    /// they do not quantize in it too (2-D tensors; 1-D ones are F32 everywhere).
    public static let equalBytesDType: DType = .f16

    /// What to run.
    public struct Options: Sendable {
        /// Path of the dense checkpoint (any format `LanguageModel.load` reads); the report's `model`.
        public var model: String
        /// Path of the calibration text (`--calibration`); must differ from `evaluationText` in path and content.
        public var calibrationText: String
        /// Path of the evaluation text (`--eval`) every perplexity is measured on.
        public var evaluationText: String
        /// Ratio budgets (`--ratios`): fractions of block-linear parameters removed, each in (0, 1), none repeated.
        public var ratios: [Double]
        /// Methods to run at every budget (`--methods`), none repeated; the quantization references among them run once each.
        public var methods: [ReportMethod]
        /// Context length of the perplexity windows (`--ctx`).
        public var context: Int
        /// Most calibration tokens recorded (`--calibration-tokens`); the text must give at least the compressor's minimum (64).
        public var calibrationTokens: Int
        /// Most evaluation tokens scored (`--eval-tokens`); at least `minimumEvaluationTokens`.
        public var evaluationTokens: Int
        /// Perplexity tolerance for claim (b).
        public var tolerance: Double
        /// Also run the product's method at each quantization reference's byte size (stored F16).
        public var equalBytes: Bool = true

        /// Memberwise, with the CLI's defaults; `equalBytes` starts true. Nothing is checked here: `check(_:)` and
        /// `run(_:progress:log:)` refuse unusable options.
        public init(model: String, calibrationText: String, evaluationText: String, ratios: [Double] = [0.1, 0.2, 0.3, 0.4],
                    methods: [ReportMethod] = ReportMethod.allCases, context: Int = 256, calibrationTokens: Int = 8192,
                    evaluationTokens: Int = 8192, tolerance: Double = 0.10) {
            self.model = model; self.calibrationText = calibrationText; self.evaluationText = evaluationText
            self.ratios = ratios; self.methods = methods; self.context = context; self.calibrationTokens = calibrationTokens
            self.evaluationTokens = evaluationTokens; self.tolerance = tolerance
        }
    }

    /// Refuses options that would make the comparison meaningless: no or repeated budgets, a budget
    /// outside (0, 1), no or repeated methods, fewer than `minimumEvaluationTokens` evaluation tokens,
    /// and calibration and evaluation texts that are the same file once links are resolved.
    public static func check(_ o: Options) throws {
        guard !o.ratios.isEmpty else { throw ReportError.invalidOption(name: "--ratios", reason: "no budget given") }
        guard o.ratios.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw CompressionError.invalidBudget("ratios must lie in (0, 1), got \(o.ratios)")
        }
        if let d = firstDuplicate(o.ratios) { throw ReportError.invalidOption(name: "--ratios", reason: "budget \(d) is listed twice") }
        guard !o.methods.isEmpty else { throw ReportError.invalidOption(name: "--methods", reason: "no method given") }
        if let d = firstDuplicate(o.methods) { throw ReportError.invalidOption(name: "--methods", reason: "method \(d.rawValue) is listed twice") }
        guard o.evaluationTokens >= minimumEvaluationTokens else {
            throw ReportError.invalidOption(name: "--eval-tokens", reason: "\(o.evaluationTokens) is below the minimum of \(minimumEvaluationTokens)")
        }
        if sameFile(o.calibrationText, o.evaluationText) {
            throw ReportError.sameText(calibration: o.calibrationText, evaluation: o.evaluationText, reason: "the same file")
        }
    }

    /// The first element that occurs twice, if any.
    static func firstDuplicate<T: Hashable>(_ xs: [T]) -> T? {
        var seen = Set<T>()
        for x in xs where !seen.insert(x).inserted { return x }
        return nil
    }

    /// Whether two paths name the same file: equal after resolving symbolic links, `.` and `..`, or
    /// the same device and inode (hard links).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        func resolved(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        if resolved(a) == resolved(b) { return true }
        let fm = FileManager.default
        guard let x = try? fm.attributesOfItem(atPath: a), let y = try? fm.attributesOfItem(atPath: b),
              let ix = x[.systemFileNumber] as? NSNumber, let iy = y[.systemFileNumber] as? NSNumber,
              let dx = x[.systemNumber] as? NSNumber, let dy = y[.systemNumber] as? NSNumber else { return false }
        return ix == iy && dx == dy
    }

    static func readText(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ReferenceLMError.file(path: path, reason: "cannot read text: \(error.localizedDescription)")
        }
    }

    /// Bytes `source`'s tensors other than `linear` take when stored in `dtype` (1-D tensors in F32).
    static func otherBytes(_ source: any WeightSource, linear: Set<String>, dtype: DType) -> Int {
        source.tensors.filter { !linear.contains($0.name) }.reduce(0) { $0 + $1.elementCount * ($1.shape.count < 2 ? 4 : dtype.byteSize) }
    }

    /// `values` rounded to `dtype` (F16 or BF16) as a stored file gives them back; unchanged for F32.
    static func rounded(_ values: [Float], to dtype: DType) -> [Float] {
        switch dtype {
        case .f16: return values.map { HalfPrecision.float(fromF16: HalfPrecision.f16(from: $0)) }
        case .bf16: return values.map { HalfPrecision.float(fromBF16: HalfPrecision.bf16(from: $0)) }
        default: return values
        }
    }

    /// Runs everything and returns the report (nothing is written).
    public static func run(_ o: Options, progress: ProgressReporter? = nil, log: ((String) -> Void)? = nil) throws -> ComparisonReport {
        let start = Date()
        try check(o)
        let calibrationText = try readText(o.calibrationText)
        let evaluationText = try readText(o.evaluationText)
        if calibrationText == evaluationText {
            throw ReportError.sameText(calibration: o.calibrationText, evaluation: o.evaluationText, reason: "identical in content")
        }
        let lm = try LanguageModel.load(path: o.model)
        let model = lm.model
        guard let bos = lm.tokenizer.bosID else {
            throw ReferenceLMError.invalidArgument("\(o.model): the tokenizer has no BOS token, needed by the perplexity protocol")
        }
        let evalTokens = Array(lm.tokenizer.encode(evaluationText, addBOS: false).prefix(o.evaluationTokens))
        guard evalTokens.count >= minimumEvaluationTokens else {
            throw ReportError.evaluationTooShort(file: o.evaluationText, tokens: evalTokens.count, minimum: minimumEvaluationTokens)
        }
        func perplexity(_ m: LlamaModel) throws -> PerplexityResult {
            try Perplexity.evaluate(model: m, tokens: evalTokens, bos: bos, context: o.context)
        }
        log?("dense perplexity on \(evalTokens.count) tokens…")
        let dense = try perplexity(model)
        log?(String(format: "dense perplexity %.3f (%.0f tokens/s)", dense.perplexity, dense.tokensPerSecond))

        // Calibration: one pass, shared by every measurement-aware method (the same code as `compress --calibration`).
        guard !lm.tokenizer.encode(calibrationText, addBOS: false).isEmpty else {
            throw ReferenceLMError.file(path: o.calibrationText, reason: "no calibration text (the file is empty)")
        }
        let calibration = try CalibrationSet.record(model: lm, text: calibrationText, maxTokens: o.calibrationTokens,
                                                    context: o.context, origin: o.calibrationText, progress: progress)
        let minimumCalibration = CompressionOptions().minimumCalibrationTokens
        guard calibration.tokens >= minimumCalibration else {
            throw CompressionError.calibrationTooShort(file: o.calibrationText, tokens: calibration.tokens, minimum: minimumCalibration)
        }
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
        let linearNames = Set(labels)
        let denseParameters = source.tensors.reduce(0) { $0 + $1.elementCount }
        let linearParameters = compressor.linearTensors.reduce(0) { $0 + $1.elementCount }
        let otherParameters = denseParameters - linearParameters

        var runs: [ComparisonReport.Run] = []

        // The quantization references first: their byte sizes are the equal-bytes budgets.
        var referenceBytes: [(method: ReportMethod, bytes: Int)] = []
        for method in o.methods where method.isQuantization {
            let type: GGMLType = method == .q8_0 ? .q8_0 : .q4_0
            var linears: [String: Linear] = [:]
            var bytes = otherBytes(source, linear: linearNames, dtype: equalBytesDType)
            for (i, info) in compressor.linearTensors.enumerated() {
                progress?.update(completed: i, total: labels.count, label: "\(method.rawValue) \(info.name)")
                let t = try source.float32(info.name)
                guard (t.shape.last ?? 0) % type.blockSize == 0 else {
                    // Not a whole number of blocks: stored (and evaluated) like the other tensors.
                    bytes += equalBytesDType.byteSize * t.count
                    linears[info.name] = try .dense(Tensor(shape: t.shape, storage: rounded(t.storage, to: equalBytesDType))!, name: info.name, source: "report")
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
                              note: "\(type.name) round trip of the block linear layers; bytes count the other tensors as a `compress --dtype \(equalBytesDType.rawValue.lowercased())` file stores them (2-D \(equalBytesDType.rawValue), 1-D F32), evaluated unrounded",
                              dtype: type.name))
            referenceBytes.append((method, bytes))
            log?(String(format: "%@: perplexity %.3f at %d bytes", method.rawValue, p.perplexity, bytes))
        }
        // The product's method (and masvd+alloc, one-shot), run again at each reference's byte size.
        let equalBytesMethods: [ReportMethod] = o.equalBytes && !referenceBytes.isEmpty
            ? [ReportMethod.masvdBest, .masvdAlloc].filter { o.methods.contains($0) } : []
        var failures: [String] = []

        let lowRank = o.methods.filter { !$0.isQuantization }
        let spectrumOrder: [CompressionAnalysis.Spectrum] = [.weight, .scaled, .whitened]
        var analyses: [CompressionAnalysis.Spectrum: CompressionAnalysis] = [:]
        let minRatio = o.ratios.min()!
        let productMethod = [ReportMethod.masvdBest, .masvdAlloc].first { o.methods.contains($0) }
        for spectrum in spectrumOrder {
            let methods = lowRank.filter { compressor.spectrum(for: $0.options(ratio: minRatio)!) == spectrum }
            guard !methods.isEmpty || spectrum == .weight else { continue }
            cache.removeAll()
            log?("spectra (\(spectrum.rawValue))…")
            let analysis = try compressor.analyze(spectrum: spectrum, progress: progress)
            analyses[spectrum] = analysis
            var shrunkAnalyses: [String: CompressionAnalysis] = [:]
            for method in methods {
                var budgets: [(options: CompressionOptions, ratio: Double, reference: ReportMethod?)] = o.ratios.sorted().map { (method.options(ratio: $0)!, $0, nil) }
                if equalBytesMethods.contains(method) {
                    for (reference, bytes) in referenceBytes {
                        var options = method.options(ratio: minRatio)!
                        options.budget = .bytes(bytes)
                        options.dtype = equalBytesDType
                        budgets.append((options, 0, reference))
                    }
                }
                for (options, ratio, reference) in budgets {
                    do {
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
                        // Head specialization: every budget for the pair claim (d) compares, the smallest for the rest.
                        let measureHeads = reference == nil && (method == .svd || method == productMethod || ratio == minRatio)
                        var linears: [String: Linear] = [:]
                        var kept: [Double] = []
                        var heads: [Double] = []
                        var storedBytes = otherBytes(source, linear: linearNames, dtype: options.dtype)
                        for (i, item) in plan.items.enumerated() {
                            progress?.update(completed: i, total: plan.items.count, label: "\(method.rawValue) \(reference.map { "= \($0.rawValue) bytes" } ?? "\(Int(ratio * 100))%") \(item.name)")
                            let c = try sequential[item.name] ?? compressor.compressTensor(item, options: options)
                            kept.append(Double(item.plannedParameters) / Double(item.rows * item.columns))
                            storedBytes += c.parts.reduce(0) { $0 + $1.bytes.count }
                            let contracted: Matrix<Float>? = try c.tensorTrain?.contracted()
                            if measureHeads, let role = source.info(item.name)?.role, role.kind == .attnQ || role.kind == .attnOutput {
                                if let approx = try contracted ?? c.lowRank?.reconstructed() {
                                    let t = try source.float32(item.name)
                                    let w = try Matrix<Float>(rows: t.shape[0], columns: t.shape[1], values: t.storage)
                                    let hs = try HeadSpecialization.compare(original: w, compressed: approx, heads: model.config.headCount,
                                                                            axis: role.kind == .attnQ ? .rows : .columns)
                                    heads.append(hs.specializationPreserved)
                                } else {
                                    heads.append(1)  // kept dense: the same subspaces, by definition
                                }
                            }
                            if let f = c.lowRank {
                                linears[item.name] = try .lowRank(a: f.a.tensor, b: f.b.tensor, name: item.name, source: "report")
                            } else if let approx = contracted {
                                // TT layers are evaluated through their contraction (the same function up to rounding;
                                // the core-by-core apply is too slow to evaluate a whole model at every budget).
                                linears[item.name] = try .dense(approx.tensor, name: item.name, source: "report")
                            } else if options.dtype != .f32 {
                                // Kept dense in a half-precision file: evaluate the values as stored.
                                let t = try source.float32(item.name)
                                linears[item.name] = try .dense(Tensor(shape: t.shape, storage: rounded(t.storage, to: options.dtype))!, name: item.name, source: "report")
                            }
                        }
                        let seconds = Date().timeIntervalSince(t0)
                        let compressed = try model.replacingLinears { role in source.info(for: role).flatMap { linears[$0.name] } }
                        let p = try perplexity(compressed)
                        let after = plan.linearParametersAfter
                        var removedByLayer0 = 0, removed = 0
                        for item in plan.items {
                            let r = item.rows * item.columns - item.plannedParameters
                            removed += r
                            if TensorRole(name: item.name)?.layer == 0 { removedByLayer0 += r }
                        }
                        let fractionRemoved = 1 - Double(after) / Double(linearParameters)
                        runs.append(.init(method: method.rawValue, targetRatio: ratio, fractionRemoved: fractionRemoved,
                                          parameters: otherParameters + after, bytes: storedBytes,
                                          perplexity: p.perplexity, meanNLL: p.meanNLL, compressSeconds: seconds,
                                          denseMatrices: plan.items.filter { $0.choice == .dense }.count, keptFractions: kept,
                                          headSpecialization: heads.isEmpty ? nil : heads.reduce(0, +) / Double(heads.count),
                                          note: reference.map { "planned at \($0.rawValue)'s byte size (`compress --bytes \(storedBytesBudget(options)) --dtype \(options.dtype.rawValue.lowercased())`): \(pct(fractionRemoved)) of the block-linear parameters removed" },
                                          dtype: options.dtype.rawValue, byteBudget: reference == nil ? nil : storedBytesBudget(options),
                                          layerZeroRemovedShare: removed > 0 ? Double(removedByLayer0) / Double(removed) : nil))
                        log?(String(format: "%@ %@: perplexity %.3f (%.1f%% removed, %d bytes)", method.rawValue,
                                    reference.map { "at \($0.rawValue)'s bytes" } ?? String(format: "at %.0f%%", ratio * 100),
                                    p.perplexity, fractionRemoved * 100, storedBytes))
                    } catch let error where reference != nil {
                        // An equal-bytes run far past the ratio budgets may fail (e.g. sequential calibration at 70% removed):
                        // say so in the report instead of losing every other figure.
                        let line = "\(method.rawValue) at \(reference!.rawValue)'s byte size (\(storedBytesBudget(options)) bytes) failed: \(error)"
                        failures.append(line)
                        log?(line)
                    }
                }
            }
        }
        cache.removeAll()
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
            claims: claims, seconds: Date().timeIntervalSince(start), failures: failures.isEmpty ? nil : failures)
    }

    static func storedBytesBudget(_ o: CompressionOptions) -> Int {
        if case let .bytes(n) = o.budget { return n }
        return 0
    }
}
