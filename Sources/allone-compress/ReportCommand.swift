import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress report MODEL --calibration TEXT --eval TEXT --ratios … --out DIR`.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compare every method at every budget on one model (perplexity, parameters, bytes) and test the seed's claims.",
        discussion: "Writes report.md, a self-contained report.html (inline SVG) and report.json into --out."
    )

    @Argument(help: "Checkpoint (GGUF, llama2.c .bin, or safetensors with config).")
    var model: String

    @Option(help: "Calibration text (activations for measurement-aware methods).")
    var calibration: String

    @Option(name: .customLong("eval"), help: "Evaluation text (must differ from the calibration text).")
    var evaluation: String

    @Option(help: "Comma-separated fractions of block-linear parameters to remove, each in (0, 1).")
    var ratios: String = "0.1,0.2,0.3,0.4"

    @Option(help: "Comma-separated methods: \(ReportMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
    var methods: String = ReportMethod.allCases.map(\.rawValue).joined(separator: ",")

    @Option(name: .customLong("ctx"), help: "Evaluation window (tokens, BOS included).")
    var context: Int = 256

    @Option(help: "Calibration tokens.")
    var calibrationTokens: Int = 8192

    @Option(help: "Evaluation tokens (at least \(ReportRunner.minimumEvaluationTokens); the evaluation text must give that many).")
    var evalTokens: Int = 8192

    @Option(help: "Perplexity tolerance for the equal-quality claim (fraction of dense perplexity).")
    var tolerance: Double = 0.10

    @Flag(inversion: .prefixedNo, help: "Also run masvd+best (else masvd+alloc) at each quantization reference's byte size, stored F16.")
    var equalBytes = true

    @Option(help: "Output folder.")
    var out: String

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Print report.json to standard output as well.")
    var json = false

    func parsedRatios() throws -> [Double] {
        let r = ratios.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !r.isEmpty, r.allSatisfy({ $0 != nil && $0! > 0 && $0! < 1 }) else {
            throw ValidationError("--ratios must be comma-separated numbers in (0, 1), got '\(ratios)'")
        }
        let values = r.map { $0! }
        if let d = values.enumerated().first(where: { values[..<$0.offset].contains($0.element) }) {
            throw ValidationError("--ratios lists the budget \(d.element) twice: '\(ratios)'")
        }
        return values
    }

    func parsedMethods() throws -> [ReportMethod] {
        let names = methods.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.contains(where: { !$0.isEmpty }) else {
            throw ValidationError("--methods is empty; choose from \(ReportMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var seen: [ReportMethod] = []
        for name in names {
            guard let m = ReportMethod(rawValue: name) else {
                throw ValidationError("unknown method '\(name)'; choose from \(ReportMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if seen.contains(m) { throw ValidationError("--methods lists \(name) twice: '\(methods)'") }
            seen.append(m)
        }
        return seen
    }

    func validate() throws {
        _ = try parsedRatios()
        _ = try parsedMethods()
        if context < 2 { throw ValidationError("--ctx must be at least 2") }
        if calibrationTokens < 64 || evalTokens < ReportRunner.minimumEvaluationTokens {
            throw ValidationError("--calibration-tokens must be ≥ 64 and --eval-tokens ≥ \(ReportRunner.minimumEvaluationTokens)")
        }
        if ReportRunner.sameFile(calibration, evaluation) {
            throw ValidationError("--calibration and --eval are the same file (\(calibration), \(evaluation)): a model measured on its calibration text flatters the compression")
        }
        if !(tolerance > 0) { throw ValidationError("--tolerance must be positive") }
        do { try AtomicFile.checkFolderDestination(out) } catch { throw CLIFailure.reject("--out \(error)") }
    }

    func run() async throws {
        // Unreadable or empty texts are refused before the model runs (the runner reads them again).
        _ = try CLIFailure.readText(calibration, for: "calibration")
        _ = try CLIFailure.readText(evaluation)
        var options = ReportRunner.Options(model: model, calibrationText: calibration, evaluationText: evaluation,
                                           ratios: try parsedRatios(), methods: try parsedMethods(), context: context,
                                           calibrationTokens: calibrationTokens, evaluationTokens: evalTokens, tolerance: tolerance)
        options.equalBytes = equalBytes
        let progress = TerminalProgress("report", quiet: quiet || json)
        let log: ((String) -> Void)? = quiet || json ? nil : { line in
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)\n".utf8))
        }
        let report = try CLIErrors.run { try ReportRunner.run(options, progress: progress, log: log) }
        try CLIErrors.run { try report.write(to: out) }
        if json {
            print(String(decoding: try report.json(), as: UTF8.self))
        } else if !quiet {
            for c in report.claims { print("(\(c.id)) \(c.statement): claimed \(c.claimed), measured \(c.measured) → \(c.verdict.rawValue)") }
            print("report written to \(out)/report.md, report.html, report.json")
        }
    }
}
