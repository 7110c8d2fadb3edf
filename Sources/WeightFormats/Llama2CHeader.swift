/// The 7-int32 header of a llama2.c checkpoint (`run.c`'s `Config`), validated.
///
/// Layout (little-endian int32 at byte offsets 0…24): `dim`, `hidden_dim`, `n_layers`, `n_heads`,
/// `n_kv_heads`, `vocab_size`, `seq_len`. A negative `vocab_size` means the file carries its own
/// classifier `wcls` after the RoPE tables (untied head); a positive one means the classifier is the
/// token embedding (tied), exactly as `run.c` reads it.
public struct Llama2CHeader: Sendable, Equatable {
    /// Model width (`dim`).
    public var dim: Int
    /// SwiGLU hidden width (`hidden_dim`).
    public var hiddenDim: Int
    /// Number of transformer blocks.
    public var layerCount: Int
    /// Number of query heads.
    public var headCount: Int
    /// Number of key/value heads (grouped-query attention when smaller than `headCount`).
    public var kvHeadCount: Int
    /// Vocabulary size (absolute value of the stored field).
    public var vocabSize: Int
    /// Maximum sequence length (rows of the stored RoPE tables).
    public var sequenceLength: Int
    /// Whether the classifier shares the token embedding (stored `vocab_size > 0`).
    public var sharedClassifier: Bool

    /// Size of the header in bytes.
    public static let byteCount = 28
    /// Field names in file order, as `run.c` spells them (used in error messages).
    public static let fieldNames = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"]

    /// Largest accepted value per field: far above any llama2.c model, low enough that no product of
    /// fields can approach `Int.max` before the file-size check refuses it.
    public static let fieldLimit: [Int] = [1 << 16, 1 << 18, 1 << 12, 1 << 12, 1 << 12, 1 << 22, 1 << 20]

    /// `dim / headCount`.
    public var headSize: Int { dim / headCount }
    /// `kvHeadCount * headSize`: width of the K and V projections.
    public var kvDim: Int { kvHeadCount * headSize }

    /// Memberwise and unchecked (for tests and writers). A caller must keep the invariants that
    /// `init(file:path:)` checks: every count positive, `headCount` divides `dim`, `kvHeadCount` divides
    /// `headCount`, even `headSize` — `headSize` divides by `headCount`.
    public init(dim: Int, hiddenDim: Int, layerCount: Int, headCount: Int, kvHeadCount: Int,
                vocabSize: Int, sequenceLength: Int, sharedClassifier: Bool) {
        self.dim = dim
        self.hiddenDim = hiddenDim
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.vocabSize = vocabSize
        self.sequenceLength = sequenceLength
        self.sharedClassifier = sharedClassifier
    }

    /// Reads and validates the header of `file`. Errors name `path`, the field and its offset.
    public init(file: Llama2CByteReader, path: String) throws {
        var raw = [Int]()
        for (i, name) in Llama2CHeader.fieldNames.enumerated() {
            guard let v = file.int32(at: i * 4) else {
                throw WeightFormatError.truncated(file: path, field: name, offset: i * 4, needed: 4)
            }
            raw.append(Int(v))
        }
        for (i, name) in Llama2CHeader.fieldNames.enumerated() {
            // vocab_size may be negative (untied classifier); every other field must be positive.
            let v = i == 5 ? abs(raw[i]) : raw[i]
            guard v > 0 else {
                throw WeightFormatError.invalid(file: path, field: name, offset: i * 4,
                                                reason: "must be positive, found \(raw[i])")
            }
            guard v <= Llama2CHeader.fieldLimit[i] else {
                throw WeightFormatError.limitExceeded(file: path, field: name, offset: i * 4,
                                                      value: UInt64(v), limit: UInt64(Llama2CHeader.fieldLimit[i]))
            }
        }
        self.init(dim: raw[0], hiddenDim: raw[1], layerCount: raw[2], headCount: raw[3], kvHeadCount: raw[4],
                  vocabSize: abs(raw[5]), sequenceLength: raw[6], sharedClassifier: raw[5] > 0)
        guard dim % headCount == 0 else {
            throw WeightFormatError.invalid(file: path, field: "n_heads", offset: 12,
                                            reason: "\(headCount) heads do not divide dim \(dim)")
        }
        guard kvHeadCount <= headCount, headCount % kvHeadCount == 0 else {
            throw WeightFormatError.invalid(file: path, field: "n_kv_heads", offset: 16,
                                            reason: "\(kvHeadCount) KV heads do not divide \(headCount) heads")
        }
        guard headSize % 2 == 0 else {
            throw WeightFormatError.invalid(file: path, field: "n_heads", offset: 12,
                                            reason: "head size \(headSize) is odd; RoPE rotates pairs")
        }
    }
}
