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

    public var format: String
    public var formatVersion: Int
    public var toolVersion: String
    public var source: Source
    /// The requested method (`svd`, `masvd`, `asvd`, `tt`, `auto`).
    public var method: String
    public var budget: Budget
    /// `uniform` or `entropy`.
    public var allocation: String
    public var refit: Bool
    /// Element type of stored matrices (`F32`, `F16`, `BF16`).
    public var storedDType: String
    /// True in a `.safetensors.zst`: every stored tensor's bytes are byte-plane shuffled
    /// (`ByteShuffle`, width = element size) inside the zstd-compressed safetensors.
    public var byteShuffled: Bool
    public var calibration: Calibration?
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
        public var file: String
        public var sha256: String
        public var format: String
        public var architecture: String
        public init(file: String, sha256: String, format: String, architecture: String) {
            self.file = file; self.sha256 = sha256; self.format = format; self.architecture = architecture
        }
    }

    /// The global budget the ranks were allocated under.
    public struct Budget: Codable, Equatable, Sendable {
        /// `"ratio"` (fraction of block linear parameters removed) or `"bytes"` (stored tensor bytes).
        public var kind: String
        public var value: Double
        public init(kind: String, value: Double) { self.kind = kind; self.value = value }
    }

    /// The calibration the statistics came from.
    public struct Calibration: Codable, Equatable, Sendable {
        public var textSHA256: String?
        public var tokens: Int
        public var statisticsSHA256: String?
        public init(textSHA256: String?, tokens: Int, statisticsSHA256: String?) {
            self.textSHA256 = textSHA256; self.tokens = tokens; self.statisticsSHA256 = statisticsSHA256
        }
    }

    /// Parameter counts.
    public struct Parameters: Codable, Equatable, Sendable {
        public var totalBefore: Int, totalAfter: Int, linearBefore: Int, linearAfter: Int
        public init(totalBefore: Int, totalAfter: Int, linearBefore: Int, linearAfter: Int) {
            self.totalBefore = totalBefore; self.totalAfter = totalAfter; self.linearBefore = linearBefore; self.linearAfter = linearAfter
        }
        /// Fraction of block linear parameters removed.
        public var linearFractionRemoved: Double { linearBefore > 0 ? 1 - Double(linearAfter) / Double(linearBefore) : 0 }
    }

    /// One tensor stored in the file.
    public struct Stored: Codable, Equatable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        /// SHA-256 (hex) of the tensor's bytes as a safetensors reader sees them (unshuffled).
        public var sha256: String
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
        public var ttRowFactors: [Int]?
        public var ttColumnFactors: [Int]?
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
        public var measuredErrorMetric: String?

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
