import ArgumentParser
import AlloneCompress
import Foundation

/// The `allone-compress` command line: one subcommand per file in this folder.
@main
struct AlloneCompressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allone-compress",
        abstract: "Make transformer checkpoints smaller, and measure honestly what it costs.",
        version: AlloneVersion.string,
        subcommands: [
            InspectCommand.self, ExportCommand.self, AnalyzeCommand.self, ModelsCommand.self,
            CompressCommand.self, VerifyCommand.self, ReportCommand.self,
            EvalCommand.self, GenerateCommand.self, CalibrateCommand.self,
            QuantumCommand.self,
        ]
    )

    /// ArgumentParser's entry point with one exit-status contract: a bad flag, value or combination
    /// (a parse or `validate()` error, which ArgumentParser exits with 64, EX_USAGE) exits with 2 like
    /// every other bad input, its message prefixed `error:` like the commands' own (`CLIFailure`),
    /// followed by the usage. Help and `--version` exit 0; `ExitCode`s thrown by commands pass through.
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "compress" { CompressCommand.tuneMalloc() }
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            var text = fullMessage(for: error)
            if text.hasPrefix("Error: ") { text = "error: " + text.dropFirst("Error: ".count) }
            FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
