import ArgumentParser
import AlloneCompress
import Foundation

/// The model argument shared by `eval`, `generate` and `calibrate`.
struct ModelOptions: ParsableArguments {
    @Argument(help: "Checkpoint: GGUF, llama2.c .bin, HF safetensors with config.json, or a compressed checkpoint.")
    var model: String

    @Option(help: "llama2.c tokenizer.bin (default: tok<vocab>.bin or tokenizer.bin beside the model).")
    var tokenizer: String?

    /// Opens the model, turning library errors into exit code 2 with the message on stderr.
    func load() throws -> LanguageModel {
        do {
            return try LanguageModel.open(path: model, tokenizerPath: tokenizer)
        } catch {
            throw CLIFailure.badInput("\(error)")
        }
    }
}
