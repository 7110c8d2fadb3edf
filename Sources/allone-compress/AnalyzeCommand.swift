import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress analyze MODEL [--json] [--html OUT] [--markdown OUT]`.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Spectral analysis of every block linear matrix: entropy, effective rank, where compression can come from."
    )

    @Argument(help: "Checkpoint to analyse.")
    var model: String

    @Option(help: "Calibration statistics (from `calibrate`): analyse the whitened spectra σ(W·S) that predict output error.")
    var calibration: String?

    @Option(help: "Relative energy a matrix may lose when counting compressible mass (0 < t < 1).")
    var tolerance: Double = 0.05

    @Option(help: "Also compute tensor-train bond entropies with this many cores (slow on large models).")
    var ttOrder: Int?

    @Option(help: "Write a self-contained HTML report (inline SVG) here.")
    var html: String?

    @Option(help: "Write the Markdown report here (default: print it).")
    var markdown: String?

    @Flag(help: "Print JSON with every figure instead of Markdown.")
    var json = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard tolerance > 0, tolerance < 1 else { throw ValidationError("--tolerance must be in (0, 1), got \(tolerance)") }
        if let t = ttOrder, t < 2 || t > 8 { throw ValidationError("--tt-order must be between 2 and 8") }
    }

    func run() async throws {
        let progress = TerminalProgress("analyze", quiet: quiet || json)
        let analysis = try CLIErrors.run {
            let source = try Checkpoints.open(model)
            var stats: [String: CalibrationStatistics] = [:]
            if let calibration {
                let set = try CalibrationSet.read(path: calibration)
                for t in source.tensors { if let s = set.statistics(for: t.name) { stats[t.name] = s } }
            }
            return try ModelAnalysis.run(source, tolerance: tolerance, calibration: stats, ttOrder: ttOrder, progress: progress)
        }
        try CLIErrors.run {
            if let html { try ReportFiles.write(Data(analysis.html().utf8), to: html) }
            if let markdown { try ReportFiles.write(Data(analysis.markdown().utf8), to: markdown) }
        }
        if json {
            print(String(decoding: try analysis.json(), as: UTF8.self))
        } else if markdown == nil {
            print(analysis.markdown())
        } else {
            print(analysis.layerZeroStatement())
        }
    }
}
