import Decomposition
import Foundation
import LinearAlgebra
import TensorCore
import WeightFormats

/// A compressed checkpoint (docs/FORMAT.md), plain `.safetensors` or `.safetensors.zst`, read as
/// the model it stands for.
///
/// `tensors` lists the ORIGINAL tensors (names and shapes of the source), and `float32(_:)`
/// rebuilds each densely (A·B for a low-rank layer, the contracted train for a TT layer), so
/// every consumer of `WeightSource` — `DenseExport`, `inspect`, the runtime's dense path — works
/// unchanged. `lowRankFactors(_:)` and `tensorTrain(_:)` give the factors themselves, for a
/// runtime that runs factorized layers natively. `metadata` is the source's metadata (config,
/// tokenizer); `ggufMetadata` is what a GGUF export carries.
public final class CompressedCheckpoint: WeightSource, GGUFMetadataCarrying, @unchecked Sendable {
    /// The file opened (plain `.safetensors` or `.safetensors.zst`), as given.
    public let path: String
    /// The parsed `allone.manifest`, format and version checked.
    public let manifest: CompressionManifest
    /// The ORIGINAL tensors, one per manifest entry in the source's order: name and `originalShape`, storage
    /// `.dense` of the first stored part's dtype, and `byteCount` the bytes actually stored for the entry
    /// (A + B, or all cores), not `elementCount × dtype size`.
    public let tensors: [TensorInfo]
    /// The source's metadata decoded from `allone.source_metadata` (typed JSON, `MetadataJSON`); empty when
    /// the key is absent.
    public let metadata: [String: MetadataValue]
    /// What a GGUF export carries, in order: `allone.gguf_metadata` when present (non-GGUF sources), else the
    /// GGUF source's own key/values in file order without `general.alignment`.
    public let ggufMetadata: [(key: String, value: MetadataValue)]
    /// Whether the file is the zstd container.
    public let isZstd: Bool
    let file: SafeTensorsFile
    private let entries: [String: CompressionManifest.Entry]

    /// `"allone-compressed v1 (safetensors)"` or `"allone-compressed v1 (safetensors.zst)"`.
    public var formatDescription: String { "allone-compressed v\(manifest.formatVersion) (\(isZstd ? "safetensors.zst" : "safetensors"))" }

    /// Whether `path` is a compressed checkpoint: a zstd frame, or a safetensors file whose
    /// `__metadata__` holds `allone.manifest`.
    public static func isCompressed(_ path: String) -> Bool {
        if ZstdContainer.isZstd(path) { return true }
        guard let f = try? SafeTensorsFile(path: path) else { return false }
        return f.metadata[CompressionManifest.metadataKey] != nil
    }

    /// Opens and validates: the manifest parses, every stored tensor it names exists in the header
    /// with its dtype and shape, factor shapes chain (A m×k, B k×n; TT cores (r_k, m_k, n_k, r_{k+1})),
    /// and the header holds nothing else. Checksums are checked by `verify()`, not here.
    public init(path: String) throws {
        self.path = path
        isZstd = ZstdContainer.isZstd(path)
        do { file = isZstd ? try ZstdContainer.unpack(path) : try SafeTensorsFile(path: path) } catch let e as CompressionError {
            throw e
        } catch { throw CompressionError.invalidCheckpoint(file: path, field: "safetensors", reason: "\(error)") }
        guard let json = file.metadata[CompressionManifest.metadataKey]?.stringValue else {
            throw CompressionError.invalidCheckpoint(file: path, field: "__metadata__", reason: "no '\(CompressionManifest.metadataKey)' key")
        }
        manifest = try CompressionManifest.parse(json, file: path)
        guard manifest.byteShuffled == isZstd else {
            throw CompressionError.invalidCheckpoint(file: path, field: "\(CompressionManifest.metadataKey).byteShuffled",
                                                     reason: "\(manifest.byteShuffled) in a \(isZstd ? "zstd" : "plain") file")
        }
        let file = self.file
        var headerNames = Set(file.tensors.map(\.name))
        var infos: [TensorInfo] = []
        var entries: [String: CompressionManifest.Entry] = [:]
        for e in manifest.tensors {
            guard entries[e.name] == nil else { throw CompressionError.invalidCheckpoint(file: path, field: "tensors", reason: "'\(e.name)' listed twice") }
            for s in e.stored {
                guard headerNames.remove(s.name) != nil else {
                    throw CompressionError.invalidCheckpoint(file: path, field: s.name, reason: "stored tensor missing from the header (or listed twice)")
                }
                let info = file.info(s.name)
                guard let d = try? file.dtype(s.name), d.rawValue == s.dtype, info?.shape == s.shape else {
                    throw CompressionError.invalidCheckpoint(file: path, field: s.name, reason: "header dtype/shape differ from the manifest's \(s.dtype) \(s.shape)")
                }
            }
            try Self.checkLayout(e, file: path)
            entries[e.name] = e
            let bytes = e.stored.reduce(0) { $0 + (file.info($1.name)?.byteCount ?? 0) }
            let dtype = DType(rawValue: e.stored.first?.dtype ?? "F32") ?? .f32
            infos.append(TensorInfo(name: e.name, shape: e.originalShape, storage: .dense(dtype), byteCount: bytes))
        }
        if let extra = headerNames.sorted().first {
            throw CompressionError.invalidCheckpoint(file: path, field: extra, reason: "tensor not described by the manifest")
        }
        self.entries = entries
        tensors = infos
        var meta: [String: MetadataValue] = [:]
        var sourcePairs: [(key: String, value: MetadataValue)] = []
        if let s = file.metadata[CompressionManifest.sourceMetadataKey]?.stringValue {
            sourcePairs = try MetadataJSON.decode(s, file: path, field: CompressionManifest.sourceMetadataKey)
            for (k, v) in sourcePairs { meta[k] = v }
        }
        metadata = meta
        if let g = file.metadata[CompressionManifest.ggufMetadataKey]?.stringValue {
            ggufMetadata = try MetadataJSON.decode(g, file: path, field: CompressionManifest.ggufMetadataKey)
        } else {
            ggufMetadata = sourcePairs.filter { $0.key != "general.alignment" }
        }
    }

    static func checkLayout(_ e: CompressionManifest.Entry, file: String) throws {
        func bad(_ r: String) -> CompressionError { .invalidCheckpoint(file: file, field: e.name, reason: r) }
        switch e.layout {
        case "dense":
            guard e.stored.count == 1, e.stored[0].shape == e.originalShape else { throw bad("dense entry must store one tensor of its shape") }
        case "lowrank":
            guard e.originalShape.count == 2, e.stored.count == 2, let k = e.rank,
                  e.stored[0].shape == [e.originalShape[0], k], e.stored[1].shape == [k, e.originalShape[1]] else {
                throw bad("low-rank entry needs A (m×k) and B (k×n) for shape \(e.originalShape)")
            }
        case "tt":
            guard e.originalShape.count == 2, let r = e.ttRanks, let mf = e.ttRowFactors, let nf = e.ttColumnFactors,
                  mf.count == nf.count, r.count == mf.count + 1, e.stored.count == mf.count,
                  (0..<mf.count).allSatisfy({ e.stored[$0].shape == [r[$0], mf[$0], nf[$0], r[$0 + 1]] }) else {
                throw bad("TT entry's cores do not chain")
            }
        default: throw bad("unknown layout '\(e.layout)'")
        }
    }

    /// The manifest entry of source tensor `name`.
    public func entry(_ name: String) -> CompressionManifest.Entry? { entries[name] }

    /// The values of stored tensor `name` (unshuffled, decoded to Float32).
    public func storedValues(_ name: String) throws -> [Float] {
        let dtype = try file.dtype(name)
        return try withStoredBytes(name) { raw in
            guard let v = StoredCodec.decode(raw, as: dtype) else {
                throw WeightFormatError.unsupportedConversion(file: path, tensor: name, type: dtype.rawValue)
            }
            return v
        }
    }

    /// Calls `body` with stored tensor `name`'s bytes as a safetensors reader of the plain file sees them.
    public func withStoredBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let width = try file.dtype(name).byteSize
        return try file.withRawBytes(name) { raw in
            guard manifest.byteShuffled else { return try body(raw) }
            let u = ByteShuffle.unshuffle(raw, width: width)
            return try u.withUnsafeBytes { try body($0) }
        }
    }

    /// The factors of a low-rank layer (as stored), `nil` for other layouts.
    public func lowRankFactors(_ name: String) throws -> LowRankFactors? {
        guard let e = entries[name] else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        guard e.layout == "lowrank", let k = e.rank else { return nil }
        let m = e.originalShape[0], n = e.originalShape[1]
        do {
            return try LowRankFactors(a: Matrix(rows: m, columns: k, values: try storedValues(e.stored[0].name)),
                                      b: Matrix(rows: k, columns: n, values: try storedValues(e.stored[1].name)))
        } catch let e as WeightFormatError { throw e } catch {
            throw CompressionError.invalidCheckpoint(file: path, field: name, reason: "\(error)")
        }
    }

    /// The TT-matrix of a TT layer (as stored), `nil` for other layouts.
    public func tensorTrain(_ name: String) throws -> TensorTrainMatrix? {
        guard let e = entries[name] else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        guard e.layout == "tt", let r = e.ttRanks, let mf = e.ttRowFactors, let nf = e.ttColumnFactors else { return nil }
        do {
            let cores = try e.stored.map { try storedValues($0.name) }
            let train = try TensorTrain(shape: zip(mf, nf).map { $0 * $1 }, ranks: r, cores: cores)
            return try TensorTrainMatrix(rows: e.originalShape[0], columns: e.originalShape[1], rowFactors: mf, columnFactors: nf, train: train)
        } catch let e as WeightFormatError { throw e } catch {
            throw CompressionError.invalidCheckpoint(file: path, field: name, reason: "\(error)")
        }
    }

    /// The original tensor rebuilt densely: stored values, A·B, or the contracted train.
    public func float32(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        let values: [Float]
        do {
            switch e.layout {
            case "lowrank": values = try lowRankFactors(name)?.reconstructed().values ?? []
            case "tt": values = try tensorTrain(name)?.contracted().values ?? []
            default: values = try storedValues(e.stored[0].name)
            }
        } catch let e as WeightFormatError { throw e } catch let e as CompressionError { throw e } catch {
            throw CompressionError.invalidCheckpoint(file: path, field: name, reason: "\(error)")
        }
        guard let t = Tensor(shape: e.originalShape, storage: values) else {
            throw WeightFormatError.shapeMismatch(file: path, tensor: name, expected: e.originalShape, found: [values.count])
        }
        return t
    }

    /// One checksum that did not match.
    public struct Mismatch: Sendable, Equatable {
        /// Name of the stored tensor (`Stored.name`, e.g. `blk.0.attn_q.weight.lr.a`).
        public var tensor: String
        /// The SHA-256 the manifest records (`Stored.sha256`, lower-case hex).
        public var expected: String
        /// The SHA-256 of the bytes in the file, unshuffled, as computed by `verify(progress:)`.
        public var found: String
    }

    /// Re-hashes every stored tensor's bytes and compares with the manifest. Returns the
    /// mismatches (empty when the file is intact) and the number of tensors checked.
    public func verify(progress: ProgressReporter? = nil) throws -> (checked: Int, mismatches: [Mismatch]) {
        var mismatches: [Mismatch] = []
        let all = manifest.tensors.flatMap(\.stored)
        for (i, s) in all.enumerated() {
            progress?.update(completed: i, total: all.count, label: s.name)
            let h = try withStoredBytes(s.name) { SHA256.hex($0) }
            if h != s.sha256 { mismatches.append(.init(tensor: s.name, expected: s.sha256, found: h)) }
        }
        progress?.finish()
        return (all.count, mismatches)
    }
}

extension Checkpoints {
    /// Like `open(_:)`, and also recognises compressed checkpoints (a safetensors file with an
    /// `allone.manifest` key, or the zstd container), which it opens as `CompressedCheckpoint`.
    public static func openAny(_ path: String) throws -> any WeightSource {
        if CompressedCheckpoint.isCompressed(path) { return try CompressedCheckpoint(path: path) }
        return try open(path)
    }
}
