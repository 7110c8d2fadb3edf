import Decomposition
import LinearAlgebra
import TensorCore
import WeightFormats

/// Calibration statistics of every block linear layer's inputs, keyed by group, with the size and
/// identity of the text they were measured on.
///
/// Groups are named after the weight whose input was measured, without its `.weight` suffix, in
/// either naming (`blk.3.attn_q` or `model.layers.3.self_attn.q_proj`); `statistics(for:)` tries the
/// tensor's own stem, then its GGUF role stem. Layers that share an input (q, k, v) may share one
/// group under each name, or the recorder may store it once per weight.
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
            return groups[g.hasSuffix(".weight") ? String(g.dropLast(".weight".count)) : g]
        }
        return nil
    }

    /// Reads a statistics file (safetensors): for each group, `<group>.gram` F64 (or F32) [n, n]
    /// and/or `<group>.mean_abs` F64 (or F32) [n]; `__metadata__` `tokens` (decimal, required) and
    /// optionally `text_sha256`. Throws `CompressionError.invalidStatistics` naming the field.
    public static func read(path: String) throws -> CalibrationSet {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch {
            throw CompressionError.invalidStatistics(file: path, field: "file", reason: "\(error)")
        }
        guard let t = file.metadata["tokens"]?.stringValue else {
            throw CompressionError.invalidStatistics(file: path, field: "__metadata__.tokens", reason: "missing")
        }
        guard let tokens = Int(t), tokens >= 0 else {
            throw CompressionError.invalidStatistics(file: path, field: "__metadata__.tokens", reason: "'\(t)' is not a token count")
        }
        var grams: [String: Matrix<Double>] = [:], means: [String: [Double]] = [:]
        for info in file.tensors {
            let isGram = info.name.hasSuffix(".gram"), isMean = info.name.hasSuffix(".mean_abs")
            guard isGram || isMean else {
                throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "expected '<group>.gram' or '<group>.mean_abs'")
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
        var groups: [String: CalibrationStatistics] = [:]
        for g in Set(grams.keys).union(means.keys).sorted() {
            do { groups[g] = try CalibrationStatistics(gram: grams[g], meanAbsolute: means[g], sampleCount: tokens) } catch {
                throw CompressionError.invalidStatistics(file: path, field: g, reason: "\(error)")
            }
        }
        let sha = try _fileSHA256(path)
        return CalibrationSet(groups: groups, tokens: tokens, textSHA256: file.metadata["text_sha256"]?.stringValue,
                              origin: path, fileSHA256: sha)
    }

    /// Writes the statistics in the layout `read(path:)` accepts (groups sorted, F64).
    public func write(path: String) throws {
        var tensors: [SafeTensorsWriter.TensorDescriptor] = []
        var data: [String: [Double]] = [:]
        for (g, s) in groups {
            if let gram = s.gram {
                tensors.append(.init(name: g + ".gram", dtype: .f64, shape: [gram.rows, gram.columns])); data[g + ".gram"] = gram.values
            }
            if let m = s.meanAbsolute { tensors.append(.init(name: g + ".mean_abs", dtype: .f64, shape: [m.count])); data[g + ".mean_abs"] = m }
        }
        var meta = ["tokens": String(tokens)]
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
