import AlloneCompress
import ArgumentParser
import Foundation

/// `allone-bench ablate`: the quality ablation of docs/RESULTS.md ("Closing the gap to the goal"):
/// one model load, one calibration pass per calibration size, then each configuration compressed
/// in memory with `Compressor` (the code of `compress`) and evaluated by the reference runtime on
/// the same evaluation tokens, against the dense model in the same run.
///
/// A configuration is written `allocation[,key=value…]`: allocation `uniform` or `entropy`; keys
/// `shrink=identity:λ|diagonal:λ`, `loss=relative|absolute|residual`, `seq` (sequential), `refit`,
/// `tokens=N` (calibration tokens, default --calibration-tokens), `method=masvd|auto`.
struct AblateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablate",
        abstract: "Quality ablation: perplexity of masvd configurations at one budget (see docs/RESULTS.md).")

    @Option(help: "Model.")
    var model: String = "Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Calibration text.")
    var calibration: String = "Fixtures/corpus/austen_pride_and_prejudice.txt"
    @Option(help: "Evaluation text.")
    var eval: String = "Fixtures/corpus/austen_persuasion.txt"
    @Option(help: "Default calibration tokens.")
    var calibrationTokens: Int = 16384
    @Option(help: "Evaluation tokens (0 = the whole text).")
    var evalTokens: Int = 16384
    @Option(help: "Fraction of the block linear parameters removed.")
    var ratio: Double = 0.1
    @Option(help: "Window length including BOS.")
    var ctx: Int = 256
    @Option(parsing: .upToNextOption, help: "Configurations (see the discussion above).")
    var configs: [String] = ["uniform", "entropy"]
    @Option(help: "Folder to keep recorded calibrations in (stats-N.safetensors + residual-N.json), reused by later runs.")
    var statsCache: String?
    @Flag(help: "Also evaluate the dense model.")
    var dense = false
    @Flag(help: "Per matrix of each configuration's plan, also build the whitened TT-matrix (TT-SVD of W·S, 3 cores) at the same core parameter count as the planned rank (S not counted, as if shared) and count where its output error beats masvd's.")
    var compareTT = false

    func run() throws {
        let lm = try LanguageModel.load(path: model)
        guard let bos = lm.tokenizer.bosID else { throw ValidationError("no BOS token") }
        let calText = try String(contentsOfFile: calibration, encoding: .utf8)
        let evalAll = lm.tokenizer.encode(try String(contentsOfFile: eval, encoding: .utf8), addBOS: false)
        let evalIDs = evalTokens > 0 ? Array(evalAll.prefix(evalTokens)) : evalAll
        let source = try Checkpoints.openAny(model)
        say("model \(model); calibration \(calibration); eval \(eval): \(evalIDs.count) tokens; ratio \(ratio); ctx \(ctx); OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
        if dense {
            let r = try Perplexity.evaluate(model: lm.model, tokens: evalIDs, bos: bos, context: ctx)
            say(String(format: "dense | ppl %.3f | eval %.0f s (%.0f tok/s)", r.perplexity, r.seconds, r.tokensPerSecond))
        }
        var calibrations: [Int: CalibrationSet] = [:]
        for config in configs {
            var parts = config.split(separator: ",").map(String.init)
            let allocation: AllocationStrategy = parts.removeFirst() == "uniform" ? .uniform : .greedy
            var options = CompressionOptions(method: .masvd, budget: .ratio(ratio), allocation: allocation)
            var tokens = calibrationTokens
            for p in parts {
                let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
                switch kv[0] {
                case "seq": options.sequential = true
                case "refit": options.refit = true
                case "floor": options.minimumKeptFraction = Double(kv[1]) ?? 0
                case "tokens": tokens = Int(kv[1]) ?? tokens
                case "method": options.method = CompressionMethod(rawValue: kv[1]) ?? .masvd
                case "loss": options.allocationLoss = AllocationLoss(rawValue: kv[1]) ?? .relativeEnergy
                case "shrink":
                    let s = kv[1].split(separator: ":").map(String.init)
                    let l = Double(s.last ?? "0") ?? 0
                    options.shrinkage = s[0] == "diagonal" ? .diagonal(l) : .identity(l)
                default: throw ValidationError("unknown key \(kv[0]) in \(config)")
                }
            }
            let t0 = Date()
            if calibrations[tokens] == nil, let dir = statsCache {
                let stats = dir + "/stats-\(tokens).safetensors", resid = dir + "/residual-\(tokens).json"
                if FileManager.default.fileExists(atPath: stats), let data = FileManager.default.contents(atPath: resid) {
                    var c = try CalibrationSet.read(path: stats)
                    c.residualEnergy = try JSONDecoder().decode([String: Double].self, from: data)
                    calibrations[tokens] = c
                }
            }
            if calibrations[tokens] == nil {
                let c = try CalibrationSet.record(model: lm, text: calText, maxTokens: tokens, context: ctx, origin: calibration)
                calibrations[tokens] = c
                if let dir = statsCache {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    try c.write(path: dir + "/stats-\(tokens).safetensors")
                    try JSONEncoder().encode(c.residualEnergy).write(to: URL(fileURLWithPath: dir + "/residual-\(tokens).json"))
                }
            }
            let cal = calibrations[tokens]!
            let c = try Compressor(source: source, calibration: cal)
            if options.sequential {
                c.sequentialCalibration = try SequentialCalibration(model: lm, text: calText, maxTokens: tokens, context: ctx)
            }
            let analysis = try c.analyze(spectrum: c.spectrum(for: options), shrinkage: options.shrinkage)
            let plan = try c.plan(analysis, options: options)
            var tensors: [CompressedTensor] = []
            if options.sequential {
                tensors = Array(try c.sequentialFactors(plan).values)
            } else {
                for item in plan.items { if case .lowRank = item.choice { tensors.append(try c.compressTensor(item, options: options)) } }
            }
            let seconds = Date().timeIntervalSince(t0)
            if compareTT { try compareTensorTrains(c, plan: plan, tensors: tensors, options: options) }
            var byKind: [String: (count: Int, kept: Double)] = [:]
            for item in plan.items {
                guard case let .lowRank(k) = item.choice, let kind = TensorRole(name: item.name)?.kind.rawValue else { continue }
                let e = byKind[kind] ?? (0, 0)
                byKind[kind] = (e.count + 1, e.kept + Double(k * (item.rows + item.columns)) / Double(item.rows * item.columns))
            }
            say("  factored by kind (count, mean kept fraction): " + byKind.keys.sorted().map {
                String(format: "%@ %d %.2f", $0, byKind[$0]!.count, byKind[$0]!.kept / Double(byKind[$0]!.count)) }.joined(separator: "; "))
            let m = try lm.model.replacingLinears(with: tensors, contractTensorTrains: true)
            let r = try Perplexity.evaluate(model: m, tokens: evalIDs, bos: bos, context: ctx)
            say(String(format: "%@ | calib %d | removed %.4f | dense kept %d | ppl %.3f | compress %.0f s | eval %.0f s",
                         config, cal.tokens, plan.allocation.fractionRemoved, plan.allocation.denseCount, r.perplexity, seconds, r.seconds))
        }
    }
}

extension AblateBench {
    /// Whitened TT-matrix vs masvd at equal stored parameters, per planned low-rank matrix: relative output
    /// errors √(tr(E G Eᵀ)/tr(W G Wᵀ)) on the calibration Gram.
    func compareTensorTrains(_ c: Compressor, plan: CompressionPlan, tensors: [CompressedTensor], options: CompressionOptions) throws {
        let byName = Dictionary(tensors.map { ($0.entry.name, $0) }, uniquingKeysWith: { a, _ in a })
        var better = 0, total = 0, ratios: [Double] = []
        for item in plan.items {
            guard case let .lowRank(k) = item.choice, let svd = byName[item.name]?.entry.measuredError,
                  let stats = try c.calibration?.loadStatistics(for: item.name), let g = stats.gram else { continue }
            let t = try c.source.float32(item.name)
            let w = try Matrix<Float>(rows: t.shape[0], columns: t.shape[1], values: t.storage)
            let cap = Compressor.largestTTCap(rows: w.rows, columns: w.columns, order: 3, maxParameters: k * (w.rows + w.columns))
            let tt = try TensorTrainMatrix.decompose(w, truncation: .maxRanks([cap, cap]), order: 3,
                                                     calibration: try CalibrationStatistics(gram: options.shrinkage.apply(g)))
            let approx = try tt.contracted()
            let e = try w.subtracting(approx).converted(to: Double.self), wd = w.converted(to: Double.self)
            let eg = try e.multiplied(by: g), wg = try wd.multiplied(by: g)
            var num = 0.0, den = 0.0
            for i in 0..<e.values.count { num += eg.values[i] * e.values[i]; den += wg.values[i] * wd.values[i] }
            let err = den > 0 ? (max(num, 0) / den).squareRoot() : 0
            total += 1
            if err < svd { better += 1 }
            if svd > 0 { ratios.append(err / svd) }
        }
        let sorted = ratios.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        say(String(format: "  TT (whitened, 3 cores, equal core parameters) beats masvd on %d of %d matrices; TT/masvd output error: median %.2f, min %.2f",
                   better, total, median, sorted.first ?? 0))
    }
}

/// Unbuffered line output (the ablation runs for minutes; a log file should fill as it goes).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
