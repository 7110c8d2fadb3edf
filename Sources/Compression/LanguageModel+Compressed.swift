import Foundation
import ReferenceLM
import WeightFormats

extension LanguageModel {
    /// Opens any checkpoint the runtime runs: a compressed checkpoint (config and tokenizer from the
    /// source metadata it carries; low-rank and TT layers run natively, never densified at run time),
    /// or anything `LanguageModel.load(path:tokenizerPath:)` opens. For a compressed llama2.c model the
    /// tokenizer is `tokenizerPath`, else `tok<vocab>.bin` / `tokenizer.bin` beside the compressed file
    /// or beside its recorded source.
    ///
    /// A `.safetensors` file that is neither (damaged, or without a manifest and without a
    /// `config.json` beside it) is refused naming the file and what is wrong with it.
    public static func open(path: String, tokenizerPath: String? = nil) throws -> LanguageModel {
        guard CompressedCheckpoint.isCompressed(path) else {
            if path.hasSuffix(".safetensors") {
                // What is wrong with the file itself first (truncated, bad header), then what it lacks.
                do { _ = try SafeTensorsFile(path: path) } catch let e as WeightFormatError { throw ReferenceLMError.weights(e) }
                let config = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("config.json")
                guard FileManager.default.fileExists(atPath: config) else {
                    throw ReferenceLMError.file(path: path, reason: "neither a compressed checkpoint (its __metadata__ has no '\(CompressionManifest.metadataKey)') nor a Hugging Face checkpoint (no config.json beside it)")
                }
            }
            return try load(path: path, tokenizerPath: tokenizerPath)
        }
        let checkpoint = try CompressedCheckpoint(path: path)
        var meta: [String: MetadataValue] = [:]
        for (k, v) in checkpoint.ggufMetadata { meta[k] = v }
        var tokenizer = tokenizerPath
        if tokenizer == nil, meta["tokenizer.ggml.model"] == nil {
            let vocab = meta["llama.vocab_size"]?.intValue ?? 0
            let dirs = [(path as NSString).deletingLastPathComponent,
                        (checkpoint.manifest.source.file as NSString).deletingLastPathComponent]
            tokenizer = dirs.flatMap { d in ["tok\(vocab).bin", "tokenizer.bin"].map { (d as NSString).appendingPathComponent($0) } }
                .first { FileManager.default.fileExists(atPath: $0) }
        }
        // Dense parts come from the checkpoint; the block linears are then swapped for their factors.
        let dense = try load(source: checkpoint, ggufMetadata: meta, tokenizerPath: tokenizer)
        let model = try dense.model.replacingLinears(with: checkpoint)
        return LanguageModel(model: model, tokenizer: dense.tokenizer, format: "compressed (\(checkpoint.manifest.method))", path: path)
    }
}
