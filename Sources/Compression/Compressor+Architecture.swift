import Foundation
import WeightFormats

extension Compressor {
    /// Architectures `Compressor` accepts, by where the checkpoint declares its architecture:
    /// GGUF `general.architecture` (llama.cpp names Llama, Mistral and SmolLM2 checkpoints "llama"),
    /// and `model_type` in the `config.json` beside a Hugging Face safetensors checkpoint. These are
    /// the checkpoints the runtime runs (`LlamaConfig`), so a compressed one can be evaluated.
    public static let supportedArchitectures: [(field: String, names: [String])] = [
        ("general.architecture", ["llama"]),
        ("config.json model_type", ["llama", "mistral"]),
    ]

    /// The architecture `source` declares and where: GGUF (or safetensors `__metadata__`)
    /// `general.architecture`, else `model_type` of the `config.json` beside a safetensors file or
    /// index; nil when it declares none (llama2.c `.bin`, a bare safetensors file), in which case the
    /// tensor names alone decide.
    static func declaredArchitecture(_ source: any WeightSource) -> (name: String, field: String)? {
        if let a = source.metadata["general.architecture"]?.stringValue { return (a, "general.architecture") }
        let path = source.path
        guard path.hasSuffix(".safetensors") || path.hasSuffix(".json") else { return nil }
        let config = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("config.json")
        guard config != path, let data = FileManager.default.contents(atPath: config),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let type = json["model_type"] as? String else { return nil }
        return (type, "config.json model_type")
    }

    /// Refuses a checkpoint that declares an architecture outside `supportedArchitectures`
    /// (`CompressionError.unsupportedArchitecture` naming the file, the architecture and what is supported).
    static func checkArchitecture(_ source: any WeightSource) throws {
        guard let (name, field) = declaredArchitecture(source) else { return }
        let supported = supportedArchitectures.first { $0.field == field }?.names ?? []
        guard supported.contains(name) else {
            throw CompressionError.unsupportedArchitecture(
                file: source.path,
                reason: "\(field) is '\(name)'; supported: \(supportedArchitectures.map { "\($0.names.joined(separator: " or ")) (\($0.field))" }.joined(separator: ", ")), or llama2.c checkpoints")
        }
    }
}
