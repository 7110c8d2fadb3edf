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
    @Flag(help: "Also evaluate the dense model.")
    var dense = false

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
            if calibrations[tokens] == nil {
                calibrations[tokens] = try CalibrationSet.record(model: lm, text: calText, maxTokens: tokens, context: ctx, origin: calibration)
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
            let m = try lm.model.replacingLinears(with: tensors, contractTensorTrains: true)
            let r = try Perplexity.evaluate(model: m, tokens: evalIDs, bos: bos, context: ctx)
            say(String(format: "%@ | calib %d | removed %.4f | dense kept %d | ppl %.3f | compress %.0f s | eval %.0f s",
                         config, cal.tokens, plan.allocation.fractionRemoved, plan.allocation.denseCount, r.perplexity, seconds, r.seconds))
        }
    }
}

/// Unbuffered line output (the ablation runs for minutes; a log file should fill as it goes).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
