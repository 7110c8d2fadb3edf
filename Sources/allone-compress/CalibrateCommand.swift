import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress calibrate MODEL --text FILE --tokens N --out STATS.safetensors`.
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Record Σ xᵀx and mean |x| of every linear layer's input on calibration text (safetensors out).")

    @OptionGroup var options: ModelOptions

    @Option(help: "UTF-8 calibration text.")
    var text: String

    @Option(help: "Calibration tokens to run (from the start of the text).")
    var tokens: Int

    @Option(help: "Window length including BOS.")
    var ctx: Int = 256

    @Option(help: "Output statistics file (.safetensors).")
    var out: String

    @Flag(help: "No progress bar and no summary line.")
    var quiet = false

    func validate() throws {
        guard tokens >= 1 else { throw CLIFailure.reject("--tokens must be positive") }
        guard ctx >= 2 else { throw CLIFailure.reject("--ctx must be at least 2") }
        do { try AtomicFile.checkDestination(out) } catch { throw CLIFailure.reject("--out \(error)") }
    }

    func run() async throws {
        let lm = try CLIFailure.guarding { try options.load() }
        let body = try CLIFailure.readText(text, for: "calibration")
        let recorder = ActivationRecorder()
        let progress = TerminalProgress("calibrate", quiet: quiet)
        let used = try CLIFailure.guarding { () throws -> Int in
            guard let bos = lm.tokenizer.bosID else { throw CLIFailure.badInput("the tokenizer has no BOS token") }
            guard ctx <= lm.model.config.contextLength else {
                throw CLIFailure.badInput("--ctx \(ctx) exceeds the model's context length \(lm.model.config.contextLength)")
            }
            let n = try Calibration.run(model: lm.model, tokens: lm.tokenizer.encode(body, addBOS: false), bos: bos,
                                        context: ctx, maxTokens: tokens, recorder: recorder, progress: progress)
            progress.finish()
            try recorder.save(to: out, metadata: ["model": lm.path, "text": text, "tokens": String(n), "context": String(ctx)])
            return n
        }
        if !quiet { print("recorded \(recorder.statistics.count) sites over \(used) tokens (+ BOS per window) → \(out)") }
    }
}
