/// The versioned manifest stored as JSON under the `allone.manifest` key of a compressed
/// checkpoint's safetensors `__metadata__` (see docs/FORMAT.md).
///
/// It records where the checkpoint came from (source file and its SHA-256), how every tensor was
/// treated (method, rank, original shape and type, predicted and measured error), the calibration
/// text and token count, the tool version, and the SHA-256 of every stored tensor's bytes, so that
/// `allone-compress verify` can re-check the file and a reader can rebuild the model without the source.
public struct CompressionManifest: Codable, Equatable, Sendable {
    /// The format identifier written in every manifest.
    public static let formatName = "allone-compressed"
    /// The manifest version this build writes and reads.
    public static let currentVersion = 1

    public var format: String
    public var formatVersion: Int
    public var toolVersion: String
    public var source: Source
    public var method: String
    public var budget: Budget
    public var calibration: Calibration?
    public var seed: UInt64
    public var tensors: [Entry]

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
        /// `"ratio"` (fraction of linear-layer parameters removed) or `"bytes"`.
        public var kind: String
        public var value: Double
        public var allocation: String
        public init(kind: String, value: Double, allocation: String) {
            self.kind = kind; self.value = value; self.allocation = allocation
        }
    }

    /// The calibration text the activation statistics came from.
    public struct Calibration: Codable, Equatable, Sendable {
        public var textSHA256: String
        public var tokens: Int
        public init(textSHA256: String, tokens: Int) { self.textSHA256 = textSHA256; self.tokens = tokens }
    }

    /// How one tensor of the source is stored.
    public struct Entry: Codable, Equatable, Sendable {
        /// The tensor's name in the source.
        public var name: String
        /// `"dense"`, `"lowrank"` or `"tt"`.
        public var method: String
        public var rank: Int?
        public var ttRanks: [Int]?
        public var ttRowFactors: [Int]?
        public var ttColumnFactors: [Int]?
        public var originalShape: [Int]
        public var originalType: String
        /// Stored tensor names → SHA-256 of their bytes in the file.
        public var stored: [String: String]
        /// Predicted relative output (or weight) error of the factorization.
        public var predictedError: Double?
        /// Measured relative error on the calibration statistics.
        public var measuredError: Double?

        public init(name: String, method: String, rank: Int? = nil, ttRanks: [Int]? = nil,
                    ttRowFactors: [Int]? = nil, ttColumnFactors: [Int]? = nil, originalShape: [Int],
                    originalType: String, stored: [String: String], predictedError: Double? = nil,
                    measuredError: Double? = nil) {
            self.name = name; self.method = method; self.rank = rank; self.ttRanks = ttRanks
            self.ttRowFactors = ttRowFactors; self.ttColumnFactors = ttColumnFactors
            self.originalShape = originalShape; self.originalType = originalType; self.stored = stored
            self.predictedError = predictedError; self.measuredError = measuredError
        }
    }

    public init(toolVersion: String, source: Source, method: String, budget: Budget,
                calibration: Calibration?, seed: UInt64, tensors: [Entry]) {
        self.format = Self.formatName
        self.formatVersion = Self.currentVersion
        self.toolVersion = toolVersion
        self.source = source
        self.method = method
        self.budget = budget
        self.calibration = calibration
        self.seed = seed
        self.tensors = tensors
    }
}
