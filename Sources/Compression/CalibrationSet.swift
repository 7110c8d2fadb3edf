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
    /// Group → statistics held in memory (Gram Σxᵀx and/or mean|x|, Float64). A set read from a
    /// file keeps this empty and loads one group at a time on demand (`allGroups()` loads them all).
    public var groups: [String: CalibrationStatistics]
    /// Tokens the statistics were accumulated over.
    public var tokens: Int
    /// SHA-256 of the calibration text, when known.
    public var textSHA256: String?
    /// Where the statistics came from (a stats file path, or a description).
    public var origin: String
    /// SHA-256 of the statistics file, when read from one (part of the resume fingerprint). For a
    /// set from `read(path:)` it is computed on a background thread while the caller goes on
    /// (808 MB take ≈ 0.5 s); reading it waits for that (`waitForFileHash()` also rethrows a
    /// read failure, which this property reports as nil).
    public var fileSHA256: String? {
        get { storedFileSHA256 ?? (try? pendingFileHash?.wait()) }
        set { storedFileSHA256 = newValue; pendingFileHash = nil }
    }
    private var storedFileSHA256: String?
    private var pendingFileHash: _PendingFileHash?
    /// Σ‖x‖² of the residual stream entering each sub-layer (`ActivationRecorder.residualKey`), over
    /// the same rows as the statistics: recorded in-process, or read from a statistics file's
    /// `<key>.energy` tensors (empty for files without them). `AllocationLoss.residualStream` needs it.
    public var residualEnergy: [String: Double] = [:]
    let lazy: _LazyStatistics?

    /// Statistics held in memory (no lazy file); `fileSHA256` is nil unless the statistics came from
    /// a file. Unchecked here: `Compressor.check(_:)` validates tokens and dimensions.
    public init(groups: [String: CalibrationStatistics], tokens: Int, textSHA256: String? = nil,
                origin: String = "in-memory", fileSHA256: String? = nil) {
        self.groups = groups; self.tokens = tokens; self.textSHA256 = textSHA256
        self.origin = origin; self.storedFileSHA256 = fileSHA256; self.lazy = nil
    }

    init(lazy: _LazyStatistics, tokens: Int, textSHA256: String?, origin: String, pendingFileHash: _PendingFileHash) {
        self.groups = [:]; self.tokens = tokens; self.textSHA256 = textSHA256
        self.origin = origin; self.pendingFileHash = pendingFileHash; self.lazy = lazy
    }

    /// Waits for the statistics file's checksum started by `read(path:)` (no-op otherwise) and
    /// rethrows the error if the file could not be read to the end.
    public func waitForFileHash() throws {
        _ = try pendingFileHash?.wait()
    }

    /// Every group name (in memory and in the file), sorted.
    public var groupNames: [String] { Set(groups.keys).union(lazy?.shapes.keys.map { $0 } ?? []).sorted() }

    /// The group holding the statistics of tensor `name`'s input: its own stem, its GGUF role stem,
    /// then its runtime activation site.
    public func group(for name: String) -> String? {
        func has(_ k: String) -> Bool { groups[k] != nil || lazy?.shapes[k] != nil }
        let stem = name.hasSuffix(".weight") ? String(name.dropLast(".weight".count)) : name
        if has(stem) { return stem }
        if has(name) { return name }
        if let role = TensorRole(name: name) {
            let g = role.ggufName
            let gs = g.hasSuffix(".weight") ? String(g.dropLast(".weight".count)) : g
            if has(gs) { return gs }
            if let site = ActivationSite(reading: role.kind), has(site.key(layer: role.layer)) { return site.key(layer: role.layer) }
        }
        return nil
    }

    /// What group `name`'s statistics hold, without loading them: (input dimension, has Gram, has mean|x|).
    public func shape(for name: String) -> (dimension: Int, gram: Bool, meanAbsolute: Bool)? {
        guard let g = group(for: name) else { return nil }
        if let s = groups[g] { return (s.inputDimension, s.gram != nil, s.meanAbsolute != nil) }
        return lazy?.shapes[g]
    }

    /// The statistics measured on the input of tensor `name` (loading its group from the file if needed).
    public func loadStatistics(for name: String) throws -> CalibrationStatistics? {
        guard let g = group(for: name) else { return nil }
        if let s = groups[g] { return s }
        return try lazy?.load(g)
    }

    /// `loadStatistics(for:)`, `nil` on a read error.
    public func statistics(for name: String) -> CalibrationStatistics? { try? loadStatistics(for: name) }

    /// Every group, loaded.
    public func allGroups() throws -> [String: CalibrationStatistics] {
        var out = groups
        for g in groupNames where out[g] == nil { out[g] = try lazy?.load(g) }
        return out
    }

    /// Converts a runtime recorder's statistics (one group per activation site).
    public init(recorder: ActivationRecorder, tokens: Int, textSHA256: String?, origin: String) throws {
        var groups: [String: CalibrationStatistics] = [:]
        for (key, s) in recorder.statistics { groups[key] = try s.calibrationStatistics() }
        self.init(groups: groups, tokens: tokens, textSHA256: textSHA256, origin: origin)
        residualEnergy = recorder.residualSumSquares
    }

    /// Runs the first `maxTokens` tokens of `text` through `model` in-process (windows of
    /// `context` including BOS, `ReferenceLM.Calibration`) and collects every site's statistics;
    /// `tokens` is the number of text tokens used, `textSHA256` the hash of the text's UTF-8 bytes.
    /// `progress` hears the tokens done after each window.
    public static func record(model: LanguageModel, text: String, maxTokens: Int, context: Int = 256,
                              origin: String = "calibration text", progress: ProgressReporter? = nil) throws -> CalibrationSet {
        guard let bos = model.tokenizer.bosID else {
            throw CompressionError.invalidStatistics(file: origin, field: "tokenizer", reason: "no BOS token")
        }
        let recorder = ActivationRecorder()
        let used = try Calibration.run(model: model.model, tokens: model.tokenizer.encode(text, addBOS: false), bos: bos,
                                       context: min(context, model.model.config.contextLength), maxTokens: maxTokens, recorder: recorder,
                                       progress: progress)
        return try CalibrationSet(recorder: recorder, tokens: used, textSHA256: SHA256.hex(Array(text.utf8)), origin: origin)
    }

    /// Reads a statistics file (safetensors, the layout `allone-compress calibrate` writes): for each
    /// group, `<group>.gram` F64 (or F32) [n, n] and/or `<group>.mean_abs` F64 (or F32) [n], and
    /// optionally `<group>.tokens` I64 [1], and `<key>.energy` F64 [1] (residual-stream energies,
    /// `residualEnergy`); `__metadata__` `tokens` (decimal; when absent, the
    /// smallest group token count) and optionally `text_sha256`. Throws
    /// `CompressionError.invalidStatistics` naming the field.
    public static func read(path: String) throws -> CalibrationSet {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch {
            throw CompressionError.invalidStatistics(file: path, field: "file", reason: "\(error)")
        }
        var shapes: [String: (dimension: Int, gram: Bool, meanAbsolute: Bool)] = [:]
        var ranges: [String: (gram: (Range<Int>, DType)?, mean: (Range<Int>, DType)?, tokens: Int?)] = [:]
        var groupTokens: [String: Int] = [:]
        var residual: [String: Double] = [:]
        for info in file.tensors {
            let dtype = try file.dtype(info.name), range = try file.byteRange(info.name)
            if info.name.hasSuffix(".energy") {
                guard dtype == .f64, info.shape == [1] else {
                    throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "expected F64 [1]")
                }
                let e = try file.withRawBytes(info.name) { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
                guard e.isFinite, e >= 0 else { throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "residual energy \(e)") }
                residual[String(info.name.dropLast(7))] = e
                continue
            }
            if info.name.hasSuffix(".tokens") {
                guard dtype == .i64, info.shape == [1] else {
                    throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "expected I64 [1]")
                }
                let n = try file.withRawBytes(info.name) { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
                guard n >= 0 else { throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "negative token count") }
                groupTokens[String(info.name.dropLast(7))] = Int(n)
                continue
            }
            let isGram = info.name.hasSuffix(".gram"), isMean = info.name.hasSuffix(".mean_abs")
            guard isGram || isMean else {
                throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "expected '<group>.gram', '<group>.mean_abs', '<group>.tokens' or '<key>.energy'")
            }
            guard dtype == .f64 || dtype == .f32 else {
                throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "dtype \(dtype.rawValue), expected F64 or F32")
            }
            let group = String(info.name.dropLast(isGram ? 5 : 9))
            if isGram {
                guard info.shape.count == 2, info.shape[0] == info.shape[1] else {
                    throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "shape \(info.shape) is not square")
                }
            } else {
                guard info.shape.count == 1 else {
                    throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "shape \(info.shape) is not 1-D")
                }
            }
            let n = info.shape[0]
            var sh = shapes[group] ?? (n, false, false)
            guard sh.dimension == n else {
                throw CompressionError.invalidStatistics(file: path, field: info.name, reason: "dimension \(n), the group's other statistic has \(sh.dimension)")
            }
            var r = ranges[group] ?? (nil, nil, nil)
            if isGram { sh.gram = true; r.gram = (range, dtype) } else { sh.meanAbsolute = true; r.mean = (range, dtype) }
            shapes[group] = sh
            ranges[group] = r
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
        for g in ranges.keys { ranges[g]?.tokens = groupTokens[g] ?? tokens }
        let lazy = try _LazyStatistics(path: path, shapes: shapes, ranges: ranges)
        var set = CalibrationSet(lazy: lazy, tokens: tokens, textSHA256: file.metadata["text_sha256"]?.stringValue,
                                 origin: path, pendingFileHash: _PendingFileHash(path: path))
        set.residualEnergy = residual
        return set
    }

    /// Writes the statistics in the layout `read(path:)` and the runtime's `ActivationRecorder.load`
    /// accept: `<group>.gram` F64, `<group>.mean_abs` F64, `<group>.tokens` I64 (every group needs both statistics for the runtime).
    public func write(path: String) throws {
        var tensors: [SafeTensorsWriter.TensorDescriptor] = []
        var data: [String: [Double]] = [:]
        for (g, s) in try allGroups() {
            if let gram = s.gram {
                tensors.append(.init(name: g + ".gram", dtype: .f64, shape: [gram.rows, gram.columns])); data[g + ".gram"] = gram.values
            }
            if let m = s.meanAbsolute { tensors.append(.init(name: g + ".mean_abs", dtype: .f64, shape: [m.count])); data[g + ".mean_abs"] = m }
            tensors.append(.init(name: g + ".tokens", dtype: .i64, shape: [1]))
            data[g + ".tokens"] = [Double(bitPattern: UInt64(bitPattern: Int64(s.sampleCount)))]
        }
        for (key, e) in residualEnergy {
            tensors.append(.init(name: key + ".energy", dtype: .f64, shape: [1])); data[key + ".energy"] = [e]
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

}

/// SHA-256 (hex) of a whole file, read with `pread` through one 8 MiB buffer (not mapped, so
/// hashing a large file does not make it resident).
func _fileSHA256(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw CompressionError.unreadable(file: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var h = SHA256()
    var buffer = [UInt8](repeating: 0, count: 8 << 20)
    var offset = 0
    while true {
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n >= 0 else { throw CompressionError.unreadable(file: path, reason: "read failed at offset \(offset): \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        buffer.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        offset += n
    }
    return h.finalizeHex()
}

/// The SHA-256 of a file, computed on its own thread from creation on (`_fileSHA256`), so that a
/// caller can start work that does not need it; `wait()` blocks until it is known.
final class _PendingFileHash: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<String, Error>? = nil

    init(path: String) {
        let thread = Thread { [self] in
            let r = Result { try _fileSHA256(path) }
            condition.lock(); result = r; condition.broadcast(); condition.unlock()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The file's SHA-256 (hex), or the error met reading it.
    func wait() throws -> String {
        condition.lock(); defer { condition.unlock() }
        while true {
            if let r = result { return try r.get() }
            condition.wait()
        }
    }
}

/// Reads one group of a statistics file at a time with `pread` (no mapping of the data, so only
/// the groups in use are resident), caching the two most recent groups (q, k and v share one, and
/// alternate with the attention output in GGUF order).
final class _LazyStatistics: @unchecked Sendable {
    let path: String
    let shapes: [String: (dimension: Int, gram: Bool, meanAbsolute: Bool)]
    let ranges: [String: (gram: (Range<Int>, DType)?, mean: (Range<Int>, DType)?, tokens: Int?)]
    private let cache = _KeyedCache<CalibrationStatistics>(capacity: 2)

    init(path: String, shapes: [String: (dimension: Int, gram: Bool, meanAbsolute: Bool)],
         ranges: [String: (gram: (Range<Int>, DType)?, mean: (Range<Int>, DType)?, tokens: Int?)]) throws {
        self.path = path; self.shapes = shapes; self.ranges = ranges
    }

    func load(_ group: String) throws -> CalibrationStatistics? {
        guard let r = ranges[group], let sh = shapes[group] else { return nil }
        return try cache.value(group) { try read(group, r, sh.dimension) }
    }

    private func read(_ group: String, _ r: (gram: (Range<Int>, DType)?, mean: (Range<Int>, DType)?, tokens: Int?),
                      _ dimension: Int) throws -> CalibrationStatistics {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CompressionError.invalidStatistics(file: path, field: group, reason: "cannot open") }
        defer { close(fd) }
        func fill(_ p: UnsafeMutableRawPointer, _ range: Range<Int>, _ field: String) throws {
            var done = 0
            while done < range.count {
                let n = pread(fd, p + done, range.count - done, off_t(range.lowerBound + done))
                guard n > 0 else { throw CompressionError.invalidStatistics(file: path, field: field, reason: "read failed at offset \(range.lowerBound + done)") }
                done += n
            }
        }
        func read(_ range: Range<Int>, _ dtype: DType, _ field: String) throws -> [Double] {
            if range.isEmpty { return [] }
            #if _endian(little)
            if dtype == .f64 {
                // Little-endian host: the stored bytes are the values, read straight into the array.
                let count = range.count / 8
                return try [Double](unsafeUninitializedCapacity: count) { buf, initialized in
                    try fill(UnsafeMutableRawPointer(buf.baseAddress!), range.lowerBound..<(range.lowerBound + 8 * count), field)
                    initialized = count
                }
            }
            #endif
            var bytes = [UInt8](repeating: 0, count: range.count)
            try bytes.withUnsafeMutableBytes { try fill($0.baseAddress!, range, field) }
            return bytes.withUnsafeBytes { raw in
                if dtype == .f64 {
                    return (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
                }
                return (0..<(raw.count / 4)).map { Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))) }
            }
        }
        let gram = try r.gram.map { try Matrix<Double>(rows: dimension, columns: dimension, values: try read($0.0, $0.1, group + ".gram")) }
        let mean = try r.mean.map { try read($0.0, $0.1, group + ".mean_abs") }
        do { return try CalibrationStatistics(gram: gram, meanAbsolute: mean, sampleCount: r.tokens ?? 0) } catch {
            throw CompressionError.invalidStatistics(file: path, field: group, reason: "\(error)")
        }
    }
}
