import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress eval MODEL --text FILE`: perplexity by the protocol of docs/EVALUATION.md.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Perplexity of a model on a text (windows of ctx−1 tokens after BOS; see docs/EVALUATION.md).")

    @OptionGroup var options: ModelOptions

    @Option(help: "UTF-8 text to evaluate on.")
    var text: String

    @Option(help: "Window length including BOS.")
    var ctx: Int = 256

    @Option(name: .customLong("max-tokens"), help: "Score at most this many tokens (from the start of the text).")
    var maxTokens: Int?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard ctx >= 2 else { throw CLIFailure.reject("--ctx must be at least 2") }
        if let maxTokens, maxTokens < 1 { throw CLIFailure.reject("--max-tokens must be positive") }
    }

    func run() async throws {
        let lm = try CLIFailure.guarding { try options.load() }
        let body = try CLIFailure.readText(text)
        let r = try CLIFailure.guarding {
            try TextPerplexity.measure(lm, text: body, textPath: text, context: ctx, maxTokens: maxTokens)
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(r), as: UTF8.self))
        } else {
            print("model       \(lm.path) (\(lm.format))")
            print("text        \(text)")
            print("context     \(r.context)")
            print("tokens      \(r.tokens) in \(r.windows) windows")
            print("mean NLL    \(String(format: "%.6f", r.meanNLL)) nats")
            print("perplexity  \(String(format: "%.4f", r.perplexity))")
            print("speed       \(String(format: "%.1f", r.tokensPerSecond)) tokens/s (\(String(format: "%.2f", r.seconds)) s)")
        }
    }
}
