import Foundation

/// The versioned manifest stored as JSON under the `allone.manifest` key of a compressed
/// checkpoint's safetensors `__metadata__` (see docs/FORMAT.md).
///
/// It records where the checkpoint came from (source file and its SHA-256), how every source
/// tensor was treated (method, rank or TT ranks, original shape and type, predicted and measured
/// error), the calibration (text hash, token count), the tool version, and the SHA-256 of every
/// stored tensor's bytes, so `allone-compress verify` can re-check the file and a reader can rebuild
/// every original tensor without the source.
public struct CompressionManifest: Codable, Equatable, Sendable {
    /// The format identifier written in every manifest.
    public static let formatName = "allone-compressed"
    /// The manifest version this build writes and reads.
    public static let currentVersion = 1
    /// The `__metadata__` key holding the manifest JSON.
    public static let metadataKey = "allone.manifest"
    /// The `__metadata__` key holding the source's own metadata (typed JSON, `MetadataJSON`).
    public static let sourceMetadataKey = "allone.source_metadata"
    /// The `__metadata__` key holding the GGUF key/values an export should carry (`MetadataJSON`);
    /// absent when the source was GGUF (then `allone.source_metadata` is exactly that).
    public static let ggufMetadataKey = "allone.gguf_metadata"

    /// JSON key `format`: always `"allone-compressed"` (`formatName`); `parse(_:file:)` refuses any other value.
    public var format: String
    /// JSON key `formatVersion`: `1` (`currentVersion`); `parse(_:file:)` refuses any other version.
    public var formatVersion: Int
    /// JSON key `toolVersion`: `AlloneVersion.string` of the build that wrote the file (e.g. `"0.1.0-dev"`).
    /// Informational: readers do not check it.
    public var toolVersion: String
    /// JSON key `source`: the checkpoint this one was compressed from (file name, SHA-256, format, architecture).
    public var source: Source
    /// The requested method (`svd`, `masvd`, `asvd`, `tt`, `auto`).
    public var method: String
    /// JSON key `budget`: the global budget the ranks were allocated under, e.g. `{"kind": "ratio", "value": 0.4}`.
    public var budget: Budget
    /// `uniform` or `entropy`.
    public var allocation: String
    /// JSON key `refit`: `CompressionOptions.refit` (`--refit`), the least-squares refit of masvd's left factor on
    /// the Gram matrix. Recorded as requested; only masvd entries act on it, and they then say `"masvd-refit"`.
    public var refit: Bool
    /// Element type of stored matrices (`F32`, `F16`, `BF16`).
    public var storedDType: String
    /// True in a `.safetensors.zst`: every stored tensor's bytes are byte-plane shuffled
    /// (`ByteShuffle`, width = element size) inside the zstd-compressed safetensors.
    public var byteShuffled: Bool
    /// JSON key `calibration`: where the calibration statistics came from; nil (key omitted) when the
    /// compression ran without calibration.
    public var calibration: Calibration?
    /// JSON key `seed`: `CompressionOptions.seed` (0 by default), recorded for reproducibility; the current
    /// methods are deterministic and draw nothing from it.
    public var seed: UInt64
    /// Parameter counts before and after (all tensors, and block linear layers only).
    public var parameters: Parameters
    /// One entry per source tensor, in the source's order.
    public var tensors: [Entry]
    /// The Gram shrinkage before whitening (`GramShrinkage.label`, e.g. `identity:0.01`); absent when none.
    public var shrinkage: String?
    /// The greedy allocator's loss (`relative`, `absolute`, `residual`); absent for the default `relative`.
    public var allocationLoss: String?
    /// True when the factors were fitted by sequential calibration; absent otherwise.
    public var sequential: Bool?

    /// The checkpoint the compressed one was made from.
    public struct Source: Codable, Equatable, Sendable {
        /// JSON key `source.file`: the last path component of the source (of the index JSON for a sharded
        /// checkpoint), e.g. `"stories260K.bin"`.
        public var file: String
        /// JSON key `source.sha256`: SHA-256 of the whole source file as 64 lower-case hex digits (of the index
        /// JSON for a sharded checkpoint; the shards themselves are not hashed).
        public var sha256: String
        /// JSON key `source.format`: the source's `WeightSource.formatDescription` (`"llama2.c"`, `"GGUF v3"`,
        /// `"safetensors"`, `"safetensors (N shards)"`).
        public var format: String
        /// JSON key `source.architecture`: the source's `general.architecture` metadata, `"llama"` when it has none
        /// (llama2.c files, most safetensors).
        public var architecture: String
        /// Creates the record from its four fields, unchecked.
        public init(file: String, sha256: String, format: String, architecture: String) {
            self.file = file; self.sha256 = sha256; self.format = format; self.architecture = architecture
        }
    }

    /// The global budget the ranks were allocated under.
    public struct Budget: Codable, Equatable, Sendable {
        /// `"ratio"` (fraction of block linear parameters removed) or `"bytes"` (stored tensor bytes).
        public var kind: String
        /// JSON key `budget.value`: the fraction r in (0, 1) for `"ratio"`; the byte count N (an integer carried
        /// as a Double) for `"bytes"`.
        public var value: Double
        /// Creates the record, unchecked (`CompressionBudget.validate()` checks a budget before compression).
        public init(kind: String, value: Double) { self.kind = kind; self.value = value }
    }

    /// The calibration the statistics came from.
    public struct Calibration: Codable, Equatable, Sendable {
        /// JSON key `calibration.textSHA256`: SHA-256 (lower-case hex) of the calibration text's UTF-8 bytes when
        /// the statistics were recorded in-process (`--calibration`), or the `text_sha256` metadata of a
        /// statistics file; nil (key omitted) when unknown.
        public var textSHA256: String?
        /// JSON key `calibration.tokens`: tokens the statistics were accumulated over (`CalibrationSet.tokens`);
        /// `Compressor.check(_:)` refuses fewer than `CompressionOptions.minimumCalibrationTokens` (64 by default).
        public var tokens: Int
        /// JSON key `calibration.statisticsSHA256`: SHA-256 (lower-case hex) of the statistics file when the
        /// statistics were read from one (`--stats`, `CalibrationSet.fileSHA256`); nil (key omitted) otherwise.
        public var statisticsSHA256: String?
        /// Creates the record from its three fields, unchecked.
        public init(textSHA256: String?, tokens: Int, statisticsSHA256: String?) {
            self.textSHA256 = textSHA256; self.tokens = tokens; self.statisticsSHA256 = statisticsSHA256
        }
    }

    /// Parameter counts.
    public struct Parameters: Codable, Equatable, Sendable {
        /// JSON keys `parameters.totalBefore`, `.totalAfter`, `.linearBefore`, `.linearAfter`: element counts.
        /// `total*` cover every tensor of the source / of the file; `linear*` only the block linear layers
        /// (q/k/v/o, gate/up/down). "After" counts stored elements: mn for a dense tensor, k(m + n) for a
        /// low-rank one, Σ r_i m_i n_i r_{i+1} for a train. `--ratio r` guarantees `1 − linearAfter/linearBefore ≥ r`.
        public var totalBefore: Int, totalAfter: Int, linearBefore: Int, linearAfter: Int
        /// Creates the record from its four counts, unchecked.
        public init(totalBefore: Int, totalAfter: Int, linearBefore: Int, linearAfter: Int) {
            self.totalBefore = totalBefore; self.totalAfter = totalAfter; self.linearBefore = linearBefore; self.linearAfter = linearAfter
        }
        /// Fraction of block linear parameters removed.
        public var linearFractionRemoved: Double { linearBefore > 0 ? 1 - Double(linearAfter) / Double(linearBefore) : 0 }
    }

    /// One tensor stored in the file.
    public struct Stored: Codable, Equatable, Sendable {
        /// JSON key `name`: the tensor's name in the safetensors header: the source name (`dense`),
        /// `<name>.lr.a` / `<name>.lr.b` (`lowrank`), or `<name>.tt.<i>` (`tt`). Each appears once in the file.
        public var name: String
        /// JSON key `dtype`: the stored element type (`F32`, `F16`, `BF16`; 1-D tensors always `F32`); a reader
        /// refuses a header whose dtype differs.
        public var dtype: String
        /// JSON key `shape`: the row-major shape as stored — A (m, k), B (k, n), TT core (r_i, m_i, n_i, r_{i+1}),
        /// or the original shape for `dense`; a reader refuses a header whose shape differs.
        public var shape: [Int]
        /// SHA-256 (hex) of the tensor's bytes as a safetensors reader sees them (unshuffled).
        public var sha256: String
        /// Creates the record, unchecked (`CompressedCheckpoint.init(path:)` checks it against the header).
        public init(name: String, dtype: String, shape: [Int], sha256: String) {
            self.name = name; self.dtype = dtype; self.shape = shape; self.sha256 = sha256
        }
    }

    /// How one source tensor is stored.
    public struct Entry: Codable, Equatable, Sendable {
        /// The tensor's name in the source.
        public var name: String
        /// `"dense"`, `"lowrank"` or `"tt"`.
        public var layout: String
        /// The method that produced it: `"dense"`, `"svd"`, `"masvd"`, `"masvd-refit"`, `"asvd"`, `"tt"`.
        public var method: String
        /// k for `lowrank`.
        public var rank: Int?
        /// r₀…r_d for `tt`; cores are `<name>.tt.<k>` of shape (r_k, m_k, n_k, r_{k+1}).
        public var ttRanks: [Int]?
        /// JSON key `ttRowFactors`, `tt` only: m_0…m_{d−1} with ∏ m_i = M ≥ m (rows zero-padded to M); core i
        /// has shape (r_i, m_i, n_i, r_{i+1}). Nil (omitted) for other layouts.
        public var ttRowFactors: [Int]?
        /// JSON key `ttColumnFactors`, `tt` only: n_0…n_{d−1} with ∏ n_i = N ≥ n (columns zero-padded to N).
        /// Nil (omitted) for other layouts.
        public var ttColumnFactors: [Int]?
        /// JSON key `originalShape`: the source tensor's row-major shape, [m, n] = (out, in) for a linear layer;
        /// the shape `CompressedCheckpoint.float32(_:)` rebuilds.
        public var originalShape: [Int]
        /// The source's storage type (`F32`, `BF16`, `Q4_1`, …).
        public var originalType: String
        /// The stored tensors: the tensor itself (`dense`), `<name>.lr.a` (m×k) and `<name>.lr.b`
        /// (k×n), or the TT cores.
        public var stored: [Stored]
        /// Predicted relative error ‖E‖/‖W‖ in `predictedErrorMetric`.
        public var predictedError: Double?
        /// `"weight"` (Frobenius), `"output"` (on calibration inputs, ‖E Xᵀ‖/‖W Xᵀ‖) or `"scaled"` (ASVD's ‖E S‖/‖W S‖).
        public var predictedErrorMetric: String?
        /// Relative error of the stored factors (after rounding to the stored dtype) in `measuredErrorMetric`.
        public var measuredError: Double?
        /// `"output"` when the Gram matrix was available, otherwise `"weight"`.
        /// `"output-sequential"` for sequential calibration (the compressed model's inputs; docs/FORMAT.md).
        public var measuredErrorMetric: String?

        /// Creates an entry; the optional fields default to nil and are then omitted from the JSON. Unchecked:
        /// `CompressedCheckpoint.init(path:)` checks that the layout's stored shapes chain when it reads a file.
        public init(name: String, layout: String, method: String, rank: Int? = nil, ttRanks: [Int]? = nil,
                    ttRowFactors: [Int]? = nil, ttColumnFactors: [Int]? = nil, originalShape: [Int],
                    originalType: String, stored: [Stored], predictedError: Double? = nil, predictedErrorMetric: String? = nil,
                    measuredError: Double? = nil, measuredErrorMetric: String? = nil) {
            self.name = name; self.layout = layout; self.method = method; self.rank = rank; self.ttRanks = ttRanks
            self.ttRowFactors = ttRowFactors; self.ttColumnFactors = ttColumnFactors
            self.originalShape = originalShape; self.originalType = originalType; self.stored = stored
            self.predictedError = predictedError; self.predictedErrorMetric = predictedErrorMetric
            self.measuredError = measuredError; self.measuredErrorMetric = measuredErrorMetric
        }

        /// Parameters stored for this tensor.
        public var storedParameters: Int { stored.reduce(0) { $0 + $1.shape.reduce(1, *) } }
    }

    /// Creates a manifest with `format` = `formatName` and `formatVersion` = `currentVersion`. `shrinkage`,
    /// `allocationLoss` and `sequential` start nil (omitted from the JSON); the writer sets them only when
    /// they differ from their defaults, so files made without those options keep their bytes.
    public init(toolVersion: String, source: Source, method: String, budget: Budget, allocation: String, refit: Bool,
                storedDType: String, byteShuffled: Bool, calibration: Calibration?, seed: UInt64,
                parameters: Parameters, tensors: [Entry]) {
        self.format = Self.formatName
        self.formatVersion = Self.currentVersion
        self.toolVersion = toolVersion
        self.source = source
        self.method = method
        self.budget = budget
        self.allocation = allocation
        self.refit = refit
        self.storedDType = storedDType
        self.byteShuffled = byteShuffled
        self.calibration = calibration
        self.seed = seed
        self.parameters = parameters
        self.tensors = tensors
    }

    /// Compact JSON with sorted keys (deterministic).
    public func jsonString() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// Parses and checks the format name and version; throws `CompressionError.invalidCheckpoint`.
    public static func parse(_ json: String, file: String) throws -> CompressionManifest {
        let m: CompressionManifest
        do { m = try JSONDecoder().decode(CompressionManifest.self, from: Data(json.utf8)) } catch {
            throw CompressionError.invalidCheckpoint(file: file, field: metadataKey, reason: "\(error)")
        }
        guard m.format == formatName else {
            throw CompressionError.invalidCheckpoint(file: file, field: "\(metadataKey).format", reason: "'\(m.format)', expected '\(formatName)'")
        }
        guard m.formatVersion == currentVersion else {
            throw CompressionError.invalidCheckpoint(file: file, field: "\(metadataKey).formatVersion",
                                                     reason: "version \(m.formatVersion); this build reads \(currentVersion)")
        }
        return m
    }
}
