import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress inspect FILE [--json]`: a validated description of a checkpoint.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint: format, metadata, tensor table, parameter count, bytes by type."
    )

    @Argument(help: "A .gguf, .safetensors, model.safetensors.index.json or llama2.c .bin file.")
    var file: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Show at most this many tensors in the table (0 = all).")
    var limit: Int = 0

    func run() async throws {
        let source = try CLIErrors.run { try Checkpoints.openAny(file) }
        let summary = CheckpointSummary(source)
        if json {
            let data = try JSONSerialization.data(withJSONObject: summary.jsonObject(), options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(summary.text(limit: limit))
        }
    }
}
