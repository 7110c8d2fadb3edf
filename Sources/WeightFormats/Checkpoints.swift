import TensorCore

/// Opens any supported checkpoint, choosing the reader from the file's content (and, where content
/// cannot tell, its name).
public enum Checkpoints {
    /// Checkpoint formats this build reads.
    public enum Format: String, Sendable, CaseIterable {
        case gguf, safetensors, safetensorsIndex = "safetensors-index", llama2c
    }

    /// The format of `path`: GGUF by its magic `GGUF`; safetensors by an 8-byte header length
    /// followed by `{`; a sharded index by the `.json` suffix; llama2.c by the `.bin` suffix.
    public static func detect(_ path: String) throws -> Format {
        if path.hasSuffix(".json") { return .safetensorsIndex }
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw WeightFormatError.io(file: path, reason: "\(error)") }
        if let magic = file.readLE(UInt32.self, at: 0), magic == 0x4655_4747 { return .gguf } // "GGUF"
        if file.readLE(UInt8.self, at: 8) == UInt8(ascii: "{") || path.hasSuffix(".safetensors") { return .safetensors }
        if path.hasSuffix(".bin") { return .llama2c }
        let head = (0..<min(4, file.count)).compactMap { file.readLE(UInt8.self, at: $0) }
            .map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
        throw WeightFormatError.badMagic(file: path, found: "0x" + head)
    }

    /// Opens and validates `path` with the reader for its format.
    public static func open(_ path: String) throws -> any WeightSource {
        switch try detect(path) {
        case .llama2c: return try Llama2CCheckpoint(path: path)
        case .gguf: return try GGUFFile(path: path)
        case .safetensors: return try SafeTensorsFile(path: path)
        case .safetensorsIndex: return try ShardedSafeTensors(indexPath: path)
        }
    }
}
