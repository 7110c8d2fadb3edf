import Foundation
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// Converts any checkpoint to a dense safetensors or GGUF file, one tensor at a time.
///
/// Every tensor is materialised as Float32 by the source (dequantizing ggml blocks, or rebuilding
/// a factorized layer), checked to be finite, encoded to the target type and streamed to an atomic
/// writer, so peak memory is about one tensor and a failure leaves no output file.
public enum DenseExport {
    /// Output container.
    public enum Target: String, Sendable, CaseIterable {
        case safetensors, gguf
    }

    /// Element type of the exported weight matrices.
    public enum Precision: String, Sendable, CaseIterable {
        case f32, f16, bf16, q8_0, q4_0
    }

    /// What an export wrote.
    public struct Result: Sendable {
        /// The file written (the tensors; a `config.json` may sit beside it, see `configPath`).
        public var path: String
        /// Number of tensors written.
        public var tensorCount: Int
        /// Bytes of tensor data written (the sum over tensors, without the header and padding).
        public var bytes: Int
        /// Tensors written in a type other than the requested one, with the reason
        /// (1-D tensors stay F32; rows not a multiple of the block size fall back to F16).
        public var fallbacks: [(tensor: String, type: String, reason: String)]
        /// The `config.json` written beside a safetensors export in the Hugging Face Llama layout,
        /// `nil` when none was written.
        public var configPath: String? = nil
        /// Whether a safetensors export renamed the tensors to Hugging Face Llama names (and moved
        /// Q/K rows to rotate-half RoPE); `false` when it kept the source's names.
        public var huggingFaceNames = false
        /// Where a GGUF export's `tokenizer.ggml.*` keys came from: `"source"` (carried by the source's
        /// metadata) or the llama2.c tokenizer file read; `nil` for a tensor file that is no language model.
        public var tokenizer: String? = nil
    }

    /// Exports `source` to `path`. Throws `.invalid` when the output would overwrite the input or
    /// the precision is not available for the target, `.nonFinite` naming the first tensor with a
    /// NaN or infinite value, and any reader or writer error.
    ///
    /// - safetensors: a Llama checkpoint (every tensor has an HF Llama name, `llama` architecture)
    ///   is written in the Hugging Face layout — `model.layers.N.self_attn.q_proj.weight`, …, Q/K
    ///   rows in rotate-half RoPE order (`RoPERowPermutation`) — with a `LlamaForCausalLM`
    ///   `config.json` written atomically beside it; anything else keeps its names.
    /// - gguf: a checkpoint in Hugging Face Llama names (or a compressed one of it) gets GGUF names,
    ///   Q/K rows in adjacent-pair order and `llama.*` keys from the `config.json` beside it, as
    ///   llama.cpp's `convert_hf_to_gguf.py` writes them. A language model (it has a token embedding) must carry a tokenizer llama.cpp can
    ///   load: the source's `tokenizer.ggml.*` keys, else the llama2.c tokenizer `tokenizerPath`,
    ///   else `tok<vocab>.bin` / `tokenizer.bin` beside the source (as the runtime looks for it).
    ///   Without one the export is refused (`.invalid` naming the source and
    ///   `tokenizer.ggml.model`) rather than writing a file llama.cpp fails to load.
    @discardableResult
    public static func export(_ source: any WeightSource, to target: Target, precision: Precision,
                              path: String, tokenizerPath: String? = nil, progress: ProgressReporter? = nil) throws -> Result {
        if sameFile(source.path, path) {
            throw WeightFormatError.invalid(file: path, field: "--out", offset: 0, reason: "output path is the input file")
        }
        try AtomicFile.checkDestination(path)  // an existing folder, a missing or read-only folder: before any work
        switch target {
        case .safetensors: return try exportSafeTensors(source, precision: precision, path: path, progress: progress)
        case .gguf: return try exportGGUF(source, precision: precision, path: path, tokenizerPath: tokenizerPath, progress: progress)
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        guard let ra = realpath(a, nil) else { return false }
        defer { free(ra) }
        guard let rb = realpath(b, nil) else { return false }
        defer { free(rb) }
        return strcmp(ra, rb) == 0
    }

    static func load(_ source: any WeightSource, _ name: String) throws -> Tensor {
        let t = try source.float32(name)
        if let i = t.firstNonFiniteIndex() { throw WeightFormatError.nonFinite(file: source.path, tensor: name, index: i) }
        return t
    }

    static func exportSafeTensors(_ source: any WeightSource, precision: Precision, path: String,
                                  progress: ProgressReporter?) throws -> Result {
        let dtype: DType
        switch precision {
        case .f32: dtype = .f32
        case .f16: dtype = .f16
        case .bf16: dtype = .bf16
        case .q8_0, .q4_0:
            throw WeightFormatError.invalid(file: path, field: "--dtype", offset: 0,
                                            reason: "\(precision.rawValue) is a GGUF block type; safetensors takes f32, f16 or bf16")
        }
        var meta: [String: String] = ["format": "pt", "allone.source": source.path,
                                      "allone.source_format": source.formatDescription]
        for (k, v) in source.metadata {
            if case .array = v { continue }  // tokenizer arrays do not fit safetensors' string metadata
            meta[k] = v.stringValue ?? CheckpointSummary.render(v)
        }
        let layout = try huggingFaceLayout(source, dtype: dtype)
        var sourceName: [String: String] = [:]
        for t in source.tensors { sourceName[layout?.names[t.name] ?? t.name] = t.name }
        let descriptors = source.tensors.map {
            SafeTensorsWriter.TensorDescriptor(name: layout?.names[$0.name] ?? $0.name, dtype: dtype, shape: $0.shape)
        }
        // config.json goes beside the output; an HF source's own config.json (same folder) is left as it is.
        let configPath = layout?.config == nil ? nil
            : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("config.json")
        let sourceConfig = ((source.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("config.json")
        let w = try SafeTensorsWriter(path: path, tensors: descriptors, metadata: meta)
        for (i, d) in w.order.enumerated() {
            progress?.update(completed: i, total: w.order.count, label: d.name)
            let name = sourceName[d.name] ?? d.name
            var t = try load(source, name)
            if let heads = layout?.permuted[name] {
                t = try RoPERowPermutation.apply(.ggufToHuggingFace, to: t, heads: heads, file: source.path, name: name)
            }
            try w.write(d.name, tensor: t)
        }
        try w.finish()
        if let configPath, let config = layout?.config, !sameFile(configPath, sourceConfig) { try writeAtomically(config, to: configPath) }
        progress?.finish()
        var r = Result(path: path, tensorCount: w.order.count, bytes: w.order.indices.reduce(0) { $0 + w.byteCounts[$1] }, fallbacks: [])
        r.configPath = configPath
        r.huggingFaceNames = layout != nil
        return r
    }

    static func exportGGUF(_ source: any WeightSource, precision: Precision, path: String, tokenizerPath: String?,
                           progress: ProgressReporter?) throws -> Result {
        let layout = try ggufLayout(source)
        var base = ggufMetadata(source, precision: precision)
        if let layout {  // HF names: the llama.* keys come from config.json, after the general.* keys
            base = base.filter { $0.key.hasPrefix("general.") && $0.key != "general.name" } + layout.metadata
            if !base.contains(where: { $0.key == "general.architecture" }) { base.insert(("general.architecture", .string("llama")), at: 0) }
        }
        let (metadata, tokenizer) = try withTokenizer(base, source: source, tokenizerPath: tokenizerPath)
        var fallbacks: [(String, String, String)] = []
        var specs: [GGUFWriter.TensorSpec] = []
        let requested: GGMLType = switch precision {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        case .q8_0: .q8_0
        case .q4_0: .q4_0
        }
        for t in source.tensors {
            let type = GGUFWriter.exportType(for: t.shape, requested: requested)
            if type != requested {
                let reason = t.shape.count < 2 ? "0- and 1-D tensors stay F32, as llama.cpp's converters keep them"
                    : "rows of \(t.shape.last ?? 0) are not whole \(requested.name) blocks of \(requested.blockSize)"
                fallbacks.append((t.name, type.name, reason))
            }
            specs.append(.init(name: layout?.names[t.name] ?? t.name, shape: t.shape, type: type))
        }
        var sourceName: [String: String] = [:]
        for t in source.tensors { sourceName[layout?.names[t.name] ?? t.name] = t.name }
        let w = try GGUFWriter(path: path, metadata: metadata, tensors: specs)
        for (i, s) in specs.enumerated() {
            progress?.update(completed: i, total: specs.count, label: s.name)
            let name = sourceName[s.name] ?? s.name
            var t = try load(source, name)
            if let heads = layout?.permuted[name] {
                t = try RoPERowPermutation.apply(.huggingFaceToGGUF, to: t, heads: heads, file: source.path, name: name)
            }
            try w.write(s.name, tensor: t)
        }
        try w.finish()
        progress?.finish()
        var r = Result(path: path, tensorCount: specs.count, bytes: w.byteCounts.reduce(0, +), fallbacks: fallbacks)
        r.tokenizer = tokenizer
        return r
    }

    /// `metadata` with the `tokenizer.ggml.*` keys a GGUF export of `source` carries, and where they
    /// came from: those of `tokenizerPath` when given (a llama2.c `tokenizer.bin`, or a GGUF file whose
    /// tokenizer keys are copied), replacing any the source has; else the source's own; else, for a
    /// language model (one with a token embedding), the llama2.c tokenizer beside the source
    /// (`Llama2CTokenizerFile.besideCheckpoint`). A language model with none is refused.
    static func withTokenizer(_ metadata: [(key: String, value: MetadataValue)], source: any WeightSource,
                              tokenizerPath: String?) throws -> ([(key: String, value: MetadataValue)], String?) {
        let vocab = source.info(for: TensorRole(layer: nil, kind: .tokenEmbedding))?.shape.first
        func tokenizerKeys(_ p: String) throws -> [(key: String, value: MetadataValue)] {
            if let g = try? GGUFFile(path: p) {
                let keys = g.orderedMetadata.filter { $0.key.hasPrefix("tokenizer.") }
                guard keys.contains(where: { $0.key == "tokenizer.ggml.model" }) else {
                    throw WeightFormatError.invalid(file: p, field: "tokenizer.ggml.model", offset: 0, reason: "this GGUF file carries no tokenizer")
                }
                if let vocab, let n = g.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count, n != vocab {
                    throw WeightFormatError.invalid(file: p, field: "tokenizer.ggml.tokens", offset: 0,
                                                    reason: "\(n) tokens for an embedding of \(vocab) rows in \(source.path)")
                }
                return keys
            }
            return try Llama2CTokenizerFile(path: p, vocabSize: vocab).ggufTokenizerMetadata(path: p)
        }
        if let tokenizerPath {
            return (metadata.filter { !$0.key.hasPrefix("tokenizer.") } + (try tokenizerKeys(tokenizerPath)), tokenizerPath)
        }
        if metadata.contains(where: { $0.key == "tokenizer.ggml.model" }) { return (metadata, "source") }
        guard let vocab else { return (metadata, nil) }
        if let p = Llama2CTokenizerFile.besideCheckpoint(source.path, vocabSize: vocab) {
            return (metadata + (try tokenizerKeys(p)), p)
        }
        throw WeightFormatError.invalid(file: source.path, field: "tokenizer.ggml.model", offset: 0,
                                        reason: "the checkpoint carries no tokenizer and neither tok\(vocab).bin nor tokenizer.bin lies beside it, "
                                            + "so llama.cpp could not load the GGUF; pass --tokenizer (a llama2.c tokenizer.bin or a GGUF file with the vocabulary)")
    }

    /// The GGUF key/values an F32 export of `source` would carry (a GGUF source's own keys in
    /// order, or the `llama.*` keys derived from its configuration, plus for a llama2.c checkpoint the
    /// `tokenizer.ggml.*` keys of the `tok<vocab>.bin` / `tokenizer.bin` beside it when one is there and
    /// valid): what a compressed checkpoint records so that its own export keeps the source's
    /// metadata and tokenizer.
    public static func sourceGGUFMetadata(_ source: any WeightSource) -> [(key: String, value: MetadataValue)] {
        if let g = source as? GGUFFile { return g.orderedMetadata.filter { $0.key != "general.alignment" } }
        var out = ggufMetadata(source, precision: .f32)
        // A llama2.c checkpoint keeps its tokenizer in a separate file: record the one the runtime
        // would use, so the compressed checkpoint's GGUF export loads in llama.cpp on its own.
        if let l = source as? Llama2CCheckpoint, let p = Llama2CTokenizerFile.besideCheckpoint(l.path, vocabSize: l.header.vocabSize),
           let keys = try? Llama2CTokenizerFile(path: p, vocabSize: l.header.vocabSize).ggufTokenizerMetadata(path: p) {
            out += keys
        }
        return out
    }

    /// GGUF metadata for the export: a GGUF source's keys copied through in order (tokenizer
    /// included) with `general.file_type` updated; for other sources the `llama.*` keys llama.cpp
    /// needs, derived from the source's configuration where it is known.
    static func ggufMetadata(_ source: any WeightSource, precision: Precision) -> [(key: String, value: MetadataValue)] {
        let fileType: UInt32 = switch precision {
        case .f32: 0
        case .f16: 1
        case .q4_0: 2
        case .q8_0: 7
        case .bf16: 32
        }
        if let c = source as? GGUFMetadataCarrying {
            var out: [(key: String, value: MetadataValue)] = []
            for (k, v) in c.ggufMetadata where k != "general.alignment" {
                out.append((k, k == "general.file_type" ? .uint32(fileType) : v))
            }
            if !out.contains(where: { $0.key == "general.file_type" }) { out.append(("general.file_type", .uint32(fileType))) }
            return out
        }
        if let g = source as? GGUFFile {
            var out: [(key: String, value: MetadataValue)] = []
            for k in g.metadataKeys where k != "general.alignment" {
                out.append((k, k == "general.file_type" ? .uint32(fileType) : g.metadata[k]!))
            }
            if !g.metadataKeys.contains("general.file_type") { out.append(("general.file_type", .uint32(fileType))) }
            return out
        }
        var out: [(key: String, value: MetadataValue)] = [("general.architecture", .string("llama")),
                                                           ("general.file_type", .uint32(fileType))]
        if let l = source as? Llama2CCheckpoint {
            let h = l.header
            out += [
                ("general.name", .string("llama2.c export")),
                ("llama.context_length", .uint32(UInt32(h.sequenceLength))),
                ("llama.embedding_length", .uint32(UInt32(h.dim))),
                ("llama.feed_forward_length", .uint32(UInt32(h.hiddenDim))),
                ("llama.block_count", .uint32(UInt32(h.layerCount))),
                ("llama.attention.head_count", .uint32(UInt32(h.headCount))),
                ("llama.attention.head_count_kv", .uint32(UInt32(h.kvHeadCount))),
                ("llama.rope.dimension_count", .uint32(UInt32(h.headSize))),
                ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
                ("llama.rope.freq_base", .float32(10000)),
                ("llama.vocab_size", .uint32(UInt32(h.vocabSize))),
            ]
        }
        return out
    }
}
