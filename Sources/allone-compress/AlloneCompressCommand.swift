import ArgumentParser
import AlloneCompress

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
}
