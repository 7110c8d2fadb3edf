import Decomposition
import Foundation
import LinearAlgebra
import ReferenceLM
import TensorCore
import WeightFormats

/// Calibration statistics of every block linear layer's inputs, keyed by group, with the size and
/// identity of the text they were measured on.
///
/// Groups are the runtime's activation sites (`ActivationSite.key`: `blk.3.attn_qkv` feeds q, k and
/// v; `blk.3.attn_output`, `blk.3.ffn_gate_up`, `blk.3.ffn_down`), or are named after one weight
/// without its `.weight` suffix (`blk.3.attn_q`, `model.layers.3.self_attn.q_proj`).
/// `statistics(for:)` tries the tensor's own stem, its GGUF role stem, then its site.
public struct CalibrationSet: Sendable {
    /// Group → statistics (Gram Σxᵀx and/or mean|x|, Float64).
    public var groups: [String: CalibrationStatistics]
    /// Tokens the statistics were accumulated over.
    public var tokens: Int
    /// SHA-256 of the calibration text, when known.
    public var textSHA256: String?
    /// Where the statistics came from (a stats file path, or a description).
    public var origin: String
    /// SHA-256 of the statistics file, when read from one (part of the resume fingerprint).
    public var fileSHA256: String?

    public init(groups: [String: CalibrationStatistics], tokens: Int, textSHA256: String? = nil,
                origin: String = "in-memory", fileSHA256: String? = nil) {
        self.groups = groups; self.tokens = tokens; self.textSHA256 = textSHA256
        self.origin = origin; self.fileSHA256 = fileSHA256
    }

    /// The statistics measured on the input of tensor `name` (a weight of a block linear layer).
    public func statistics(for name: String) -> CalibrationStatistics? {
        let stem = name.hasSuffix(".weight") ? String(name.dropLast(".weight".count)) : name
        if let s = groups[stem] ?? groups[name] { return s }
        if let role = TensorRole(name: name) {
            let g = role.ggufName
            if let s = groups[g.hasSuffix(".weight") ? String(g.dropLast(".weight".count)) : g] { return s }
            if let site = ActivationSite(reading: role.kind) { return groups[site.key(layer: role.layer)] }
        }
        return nil
    }

    /// Converts a runtime recorder's statistics (one group per activation site).
    public init(recorder: ActivationRecorder, tokens: Int, textSHA256: String?, origin: String) throws {
        var groups: [String: CalibrationStatistics] = [:]
        for (key, s) in recorder.statistics {
            let g = try Matrix<Double>(rows: s.width, columns: s.width, values: s.gram)
            groups[key] = try CalibrationStatistics(gram: g, meanAbsolute: s.meanAbs, sampleCount: s.tokens)
        }
        self.init(groups: groups, tokens: tokens, textSHA256: textSHA256, origin: origin)
    }

    /// Runs the first `maxTokens` tokens of `text` through `model` in-process (windows of
    /// `context` including BOS, `ReferenceLM.Calibration`) and collects every site's statistics;
    /// `tokens` is the number of text tokens used, `textSHA256` the hash of the text's UTF-8 bytes.
    public static func record(model: LanguageModel, text: String, maxTokens: Int, context: Int = 256,
                              origin: String = "calibration text") throws -> CalibrationSet {
        guard let bos = model.tokenizer.bosID else {
            throw CompressionError.invalidStatistics(file: origin, field: "tokenizer", reason: "no BOS token")
        }
        let recorder = ActivationRecorder()
        let used = try Calibration.run(model: model.model, tokens: model.tokenizer.encode(text, addBOS: false), bos: bos,
                                       context: min(context, model.model.config.contextLength), maxTokens: maxTokens, recorder: recorder)
        return try CalibrationSet(recorder: recorder, tokens: used, textSHA256: SHA256.hex(Array(text.utf8)), origin: origin)
    }

    /// Reads a statistics file (safetensors, the layout `allone-compress calibrate` writes): for each
    /// group, `<group>.gram` F64 (or F32) [n, n] and/or `<group>.mean_abs` F64 (or F32) [n], and
    /// optionally `<group>.tokens` I64 [1]; `__metadata__` `tokens` (decimal; when absent, the
    /// smallest group token count) and optionally `text_sha256`. Throws
    /// `CompressionError.invalidStatistics` naming the field.
    public static func read(path: String) throws -> CalibrationSet {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch {
            throw CompressionError.invalidStatistics(file: path, field: "file", reason: "\(error)")
        }
        var grams: [String: Matrix<Double>] = [:], means: [String: [Double]] = [:], groupTokens: [String: Int] = [:]
        for info in file.tensors {
            if info.name.hasSuffix(".tokens") {
                guard (try? file.dtype(info.name)) == .i64, info.shape == [1] else {
                    throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "expected I64 [1]")
                }
                let n = try file.withRawBytes(info.name) { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
                guard n >= 0 else { throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "negative token count") }
                groupTokens[String(info.name.dropLast(7))] = Int(n)
                continue
            }
            let isGram = info.name.hasSuffix(".gram"), isMean = info.name.hasSuffix(".mean_abs")
            guard isGram || isMean else {
                throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "expected '<group>.gram', '<group>.mean_abs' or '<group>.tokens'")
            }
            let group = String(info.name.dropLast(isGram ? 5 : 9))
            let values = try doubles(file, info.name, path: path)
            if isGram {
                guard info.shape.count == 2, info.shape[0] == info.shape[1] else {
                    throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "shape \(info.shape) is not square")
                }
                grams[group] = try Matrix<Double>(rows: info.shape[0], columns: info.shape[1], values: values)
            } else {
                guard info.shape.count == 1 else {
                    throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "shape \(info.shape) is not 1-D")
                }
                means[group] = values
            }
        }
        let tokens: Int
        if let t = file.metadata["tokens"]?.stringValue {
            guard let n = Int(t), n >= 0 else {
                throw CompressionError.invalidStatistics(file: path, field: "__metadata__.tokens", reason: "'\(t)' is not a token count")
            }
            tokens = n
        } else if let n = groupTokens.values.min() {
            tokens = n
        } else {
            throw CompressionError.invalidStatistics(file: path, field: "__metadata__.tokens", reason: "missing (and no '<group>.tokens' tensors)")
        }
        var groups: [String: CalibrationStatistics] = [:]
        for g in Set(grams.keys).union(means.keys).sorted() {
            do { groups[g] = try CalibrationStatistics(gram: grams[g], meanAbsolute: means[g], sampleCount: groupTokens[g] ?? tokens) } catch {
                throw CompressionError.invalidStatistics(file: path, field: g, reason: "\(error)")
            }
        }
        let sha = try _fileSHA256(path)
        return CalibrationSet(groups: groups, tokens: tokens, textSHA256: file.metadata["text_sha256"]?.stringValue,
                              origin: path, fileSHA256: sha)
    }

    /// Writes the statistics in the layout `read(path:)` and the runtime's `ActivationRecorder.load`
    /// accept: `<group>.gram` F64, `<group>.mean_abs` F64, `<group>.tokens` I64 (every group needs both statistics for the runtime).
    public func write(path: String) throws {
        var tensors: [SafeTensorsWriter.TensorDescriptor] = []
        var data: [String: [Double]] = [:]
        for (g, s) in groups {
            if let gram = s.gram {
                tensors.append(.init(name: g + ".gram", dtype: .f64, shape: [gram.rows, gram.columns])); data[g + ".gram"] = gram.values
            }
            if let m = s.meanAbsolute { tensors.append(.init(name: g + ".mean_abs", dtype: .f64, shape: [m.count])); data[g + ".mean_abs"] = m }
            tensors.append(.init(name: g + ".tokens", dtype: .i64, shape: [1]))
            data[g + ".tokens"] = [Double(bitPattern: UInt64(bitPattern: Int64(s.sampleCount)))]
        }
        var meta = ["tokens": String(tokens), "format": ActivationRecorder.fileFormat]
        if let t = textSHA256 { meta["text_sha256"] = t }
        let w = try SafeTensorsWriter(path: path, tensors: tensors, metadata: meta)
        for d in w.order {
            let v = data[d.name] ?? []
            try v.withUnsafeBytes { try w.write(d.name, rawBytes: $0) }  // little-endian hosts
        }
        try w.finish()
    }

    static func doubles(_ file: SafeTensorsFile, _ name: String, path: String) throws -> [Double] {
        let dtype = try file.dtype(name)
        switch dtype {
        case .f64:
            return try file.withRawBytes(name) { raw in
                (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
            }
        case .f32:
            return try file.float32(name).storage.map(Double.init)
        default:
            throw CompressionError.invalidStatistics(file: path, field: name, reason: "dtype \(dtype.rawValue), expected F64 or F32")
        }
    }
}

/// SHA-256 (hex) of a whole file, streamed through a mapping.
func _fileSHA256(_ path: String) throws -> String {
    let m: MappedFile
    do { m = try MappedFile(path: path) } catch { throw CompressionError.journal(path: path, reason: "cannot read: \(error)") }
    var h = SHA256()
    let chunk = 8 << 20
    var off = 0
    while off < m.count {
        let n = min(chunk, m.count - off)
        if let s = m.slice(offset: off, length: n) { h.update(s) }
        off += n
    }
    return SHA256.hex(h.finalize())
}
