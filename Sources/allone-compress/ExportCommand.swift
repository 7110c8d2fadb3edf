import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress export FILE --to safetensors|gguf --dtype … --out PATH`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert a checkpoint to dense safetensors or GGUF, one tensor at a time (dequantizing on the way)."
    )

    @Argument(help: "Input checkpoint (.gguf, .safetensors, index .json, llama2.c .bin, or a compressed checkpoint).")
    var file: String

    @Option(help: "Output format: safetensors or gguf.")
    var to: DenseExport.Target

    @Option(help: "Element type: f32, f16, bf16, q8_0 or q4_0 (the last two for GGUF only).")
    var dtype: DenseExport.Precision = .f32

    @Option(help: "Output file. A Llama model exported to safetensors gets Hugging Face names and a config.json beside it.")
    var out: String

    @Option(help: ArgumentHelp("Tokenizer for a GGUF export whose source carries none: a llama2.c tokenizer.bin or a GGUF file.",
                               discussion: "Default: the source's own tokenizer, else tok<vocab>.bin or tokenizer.bin beside the input."))
    var tokenizer: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Print a JSON summary.")
    var json = false

    func validate() throws {
        if to == .safetensors && (dtype == .q8_0 || dtype == .q4_0) {
            throw ValidationError("--dtype \(dtype.rawValue) is a GGUF block type; safetensors takes f32, f16 or bf16")
        }
        if out == file { throw ValidationError("--out must differ from the input file") }
        do { try AtomicFile.checkDestination(out) } catch { throw CLIFailure.reject("--out \(error)") }
    }

    func run() async throws {
        let progress = TerminalProgress("export", quiet: quiet || json)
        let result = try CLIErrors.run {
            let source = try Checkpoints.openAny(file)
            return try DenseExport.export(source, to: to, precision: dtype, path: out, tokenizerPath: tokenizer, progress: progress)
        }
        if json {
            let obj: [String: Any] = [
                "path": result.path, "tensors": result.tensorCount, "bytes": result.bytes,
                "fallbacks": result.fallbacks.map { ["tensor": $0.tensor, "type": $0.type, "reason": $0.reason] },
                "huggingface_names": result.huggingFaceNames,
                "config": result.configPath ?? NSNull(), "tokenizer": result.tokenizer ?? NSNull(),
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else if !quiet {
            print("wrote \(result.path): \(result.tensorCount) tensors, \(CheckpointSummary.grouped(result.bytes)) bytes of tensor data")
            if let config = result.configPath { print("Hugging Face Llama layout; wrote \(config)") }
            if let t = result.tokenizer, t != "source" { print("tokenizer from \(t)") }
            if !result.fallbacks.isEmpty {
                print("\(result.fallbacks.count) tensors kept another type (e.g. \(result.fallbacks[0].tensor): \(result.fallbacks[0].type), \(result.fallbacks[0].reason))")
            }
        }
    }
}

extension DenseExport.Target: ExpressibleByArgument {}
extension DenseExport.Precision: ExpressibleByArgument {}
