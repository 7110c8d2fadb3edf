import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress generate MODEL --prompt TEXT`: greedy (default) or seeded sampling.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt with the model (greedy by default; --temperature and --seed to sample).")

    @OptionGroup var options: ModelOptions

    @Option(help: "Prompt text (may be empty: generation then starts from BOS).")
    var prompt: String = ""

    @Option(help: "New tokens to generate at most.")
    var tokens: Int = 64

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    func validate() throws {
        guard tokens >= 0 else { throw CLIFailure.reject("--tokens must be ≥ 0") }
        guard temperature.isFinite, temperature >= 0 else { throw CLIFailure.reject("--temperature must be finite and ≥ 0") }
    }

    func run() async throws {
        let lm = try CLIFailure.guarding { try options.load() }
        let text = try CLIFailure.guarding { () throws -> String in
            let ids = lm.tokenizer.encode(prompt, addBOS: true)
            let stops = Set([lm.tokenizer.bosID, lm.tokenizer.eosID].compactMap { $0 })
            let out = try Generator.generate(model: lm.model, prompt: ids,
                                             options: GenerationOptions(maxNewTokens: tokens, temperature: temperature, seed: seed),
                                             stopIDs: stops)
            return lm.tokenizer.decode(ids + out)
        }
        print(text)
    }
}
