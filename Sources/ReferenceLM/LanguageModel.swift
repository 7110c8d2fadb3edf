import Foundation
import WeightFormats

/// A model with its tokenizer, opened from a checkpoint path by `LanguageModel.load`.
public struct LanguageModel: Sendable {
    public var model: LlamaModel
    public var tokenizer: any TextTokenizer
    /// The checkpoint's format (`"llama2.c"`, `"GGUF v3"`, …).
    public var format: String
    /// The checkpoint path.
    public var path: String

    public init(model: LlamaModel, tokenizer: any TextTokenizer, format: String, path: String) {
        self.model = model
        self.tokenizer = tokenizer
        self.format = format
        self.path = path
    }

    /// Opens a checkpoint by its content: a llama2.c `.bin` (tokenizer from `tokenizerPath`, else
    /// `tok512.bin` or `tokenizer.bin` beside it).
    public static func load(path: String, tokenizerPath: String? = nil) throws -> LanguageModel {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw ReferenceLMError.file(path: path, reason: "cannot open")
        }
        let magic = (try? h.read(upToCount: 4)) ?? nil
        try? h.close()
        if magic == Data("GGUF".utf8) {
            throw ReferenceLMError.file(path: path, reason: "GGUF checkpoints are not supported by this build yet")
        }
        let checkpoint: Llama2CCheckpoint
        do { checkpoint = try Llama2CCheckpoint(path: path) } catch let e as WeightFormatError { throw ReferenceLMError.weights(e) }
        let config = LlamaConfig(llama2c: checkpoint.header)
        let model = try LlamaModel(source: checkpoint, config: config)
        let dir = (path as NSString).deletingLastPathComponent
        let candidates = tokenizerPath.map { [$0] } ?? ["tok\(config.vocabSize).bin", "tokenizer.bin"].map { (dir as NSString).appendingPathComponent($0) }
        guard let tokPath = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ReferenceLMError.file(path: candidates[0], reason: "no llama2.c tokenizer found (pass --tokenizer)")
        }
        let tokenizer: Llama2CTokenizer
        do { tokenizer = try Llama2CTokenizer(path: tokPath, vocabSize: config.vocabSize) } catch let e as WeightFormatError {
            throw ReferenceLMError.weights(e)
        }
        return LanguageModel(model: model, tokenizer: tokenizer, format: checkpoint.formatDescription, path: path)
    }
}
