import Foundation
import WeightFormats

/// A model with its tokenizer, opened from a checkpoint path by `LanguageModel.load`.
public struct LanguageModel: Sendable {
    /// The transformer (config and weights) that computes logits.
    public var model: LlamaModel
    /// The tokenizer matching `model`'s vocabulary (a `Llama2CTokenizer` or `GPT2Tokenizer`).
    public var tokenizer: any TextTokenizer
    /// The checkpoint's format (`"llama2.c"`, `"GGUF v3"`, …).
    public var format: String
    /// The checkpoint path.
    public var path: String

    /// Pairs a model with a tokenizer as given; vocabulary sizes are not checked here (the `load` functions check
    /// them for GGUF and llama2.c checkpoints).
    public init(model: LlamaModel, tokenizer: any TextTokenizer, format: String, path: String) {
        self.model = model
        self.tokenizer = tokenizer
        self.format = format
        self.path = path
    }

    /// Opens a checkpoint by its content: a GGUF file (config from `llama.*` metadata, tokenizer from
    /// `tokenizer.ggml.*`: "llama" SentencePiece-style or "gpt2" byte-level BPE), or a llama2.c `.bin`
    /// (tokenizer from `tokenizerPath`, else `tok<vocab>.bin` or `tokenizer.bin` beside it).
    public static func load(path: String, tokenizerPath: String? = nil) throws -> LanguageModel {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw ReferenceLMError.file(path: path, reason: "cannot open")
        }
        let magic = (try? h.read(upToCount: 4)) ?? nil
        try? h.close()
        if magic == Data("GGUF".utf8) { return try loadGGUF(path: path) }
        if path.hasSuffix(".safetensors") || path.hasSuffix(".json") {
            return try loadHuggingFace(path: path, tokenizerPath: tokenizerPath)
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

    /// Opens a GGUF llama checkpoint with its embedded tokenizer.
    public static func loadGGUF(path: String) throws -> LanguageModel {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch let e as WeightFormatError { throw ReferenceLMError.weights(e) }
        return try load(source: file, ggufMetadata: file.metadata, tokenizerPath: nil)
    }

    /// Builds a model from any weight source described by GGUF-style metadata (`llama.*` keys for the
    /// config; `tokenizer.ggml.*` for the tokenizer, "llama" or "gpt2"). When the metadata has no
    /// tokenizer, `tokenizerPath` (a llama2.c `tokenizer.bin`) is used. Used for GGUF files and for
    /// compressed checkpoints, which carry their source's metadata.
    public static func load(source: any WeightSource, ggufMetadata m: [String: MetadataValue],
                            tokenizerPath: String?) throws -> LanguageModel {
        let path = source.path
        let rows = source.info(for: TensorRole(layer: nil, kind: .tokenEmbedding))?.shape.first
        let config = try LlamaConfig(ggufMetadata: m, embeddingRows: rows, source: path)
        let model = try LlamaModel(source: source, config: config)
        let tokenizer: any TextTokenizer
        switch m["tokenizer.ggml.model"]?.stringValue {
        case "llama": tokenizer = try Llama2CTokenizer(ggufMetadata: m, source: path)
        case "gpt2": tokenizer = try GPT2Tokenizer(ggufMetadata: m, source: path)
        case nil where tokenizerPath != nil:
            do { tokenizer = try Llama2CTokenizer(path: tokenizerPath!, vocabSize: config.vocabSize) } catch let e as WeightFormatError {
                throw ReferenceLMError.weights(e)
            }
        case let other:
            throw ReferenceLMError.invalidConfig(source: path, field: "tokenizer.ggml.model",
                                                 reason: other == nil ? "the checkpoint carries no tokenizer: pass --tokenizer (e.g. the llama2.c tokenizer.bin)"
                                                    : "'\(other!)' is not supported (llama, gpt2)")
        }
        guard tokenizer.vocabularySize == config.vocabSize else {
            throw ReferenceLMError.invalidConfig(source: path, field: "tokenizer.ggml.tokens",
                                                 reason: "\(tokenizer.vocabularySize) tokens for an embedding of \(config.vocabSize) rows")
        }
        return LanguageModel(model: model, tokenizer: tokenizer, format: source.formatDescription, path: path)
    }

    /// Opens a Hugging Face Llama checkpoint: `model.safetensors` (or a sharded index `.json`) with
    /// `config.json` beside it; rotate-half RoPE. Tokenizer: `tokenizerPath` (a llama2.c
    /// `tokenizer.bin`, a GGUF file's vocabulary, or a `tokenizer.json`), else `tokenizer.json` beside it.
    public static func loadHuggingFace(path: String, tokenizerPath: String?) throws -> LanguageModel {
        let dir = (path as NSString).deletingLastPathComponent
        let configPath = (dir as NSString).appendingPathComponent("config.json")
        // The weights first, so that a damaged file is reported as such rather than as a missing config.
        let source: any WeightSource
        do { source = try Checkpoints.open(path) } catch let e as WeightFormatError { throw ReferenceLMError.weights(e) }
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ReferenceLMError.file(path: path, reason: "a Hugging Face checkpoint needs its config.json beside it (\(configPath) does not exist)")
        }
        let (config, tied) = try LlamaConfig.huggingFace(configPath: configPath)
        let model = try LlamaModel(source: source, config: config)
        if tied != model.tiedOutput, !tied {
            throw ReferenceLMError.missingTensor(source: path, name: "lm_head.weight")
        }
        let json = (FileManager.default.contents(atPath: configPath).flatMap { try? JSONSerialization.jsonObject(with: $0) }) as? [String: Any]
        let bos = json?["bos_token_id"] as? Int, eos = json?["eos_token_id"] as? Int
        let tokPath = tokenizerPath ?? (dir as NSString).appendingPathComponent("tokenizer.json")
        let tokenizer: any TextTokenizer
        if tokPath.hasSuffix(".json") {
            tokenizer = try GPT2Tokenizer(huggingFaceTokenizerPath: tokPath, bosID: bos, eosID: eos)
        } else if let m = try? GGUFFile(path: tokPath) {
            tokenizer = m.metadata["tokenizer.ggml.model"]?.stringValue == "gpt2"
                ? try GPT2Tokenizer(ggufMetadata: m.metadata, source: tokPath)
                : try Llama2CTokenizer(ggufMetadata: m.metadata, source: tokPath)
        } else {
            do { tokenizer = try Llama2CTokenizer(path: tokPath, vocabSize: config.vocabSize) } catch let e as WeightFormatError {
                throw ReferenceLMError.weights(e)
            }
        }
        return LanguageModel(model: model, tokenizer: tokenizer, format: source.formatDescription, path: path)
    }
}
