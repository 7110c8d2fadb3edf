import TensorCore

/// A llama2.c `tokenizer.bin`, parsed and validated.
///
/// Layout: int32 `max_token_length`, then for each token: float32 score, int32 byte length, the
/// piece's bytes (not NUL-terminated, not necessarily valid UTF-8). The file does not store the
/// vocabulary size (`run.c` takes it from the checkpoint), so entries are read to the end of the file;
/// pass `vocabSize` to require a count. Every length must lie in `1...max_token_length` and every
/// score must be finite.
public struct Llama2CTokenizerFile: Sendable, Equatable {
    /// The stored `max_token_length`.
    public var maxTokenLength: Int
    /// Token pieces, as raw bytes, indexed by token id.
    public var pieces: [[UInt8]]
    /// Merge scores, indexed by token id (higher merges first).
    public var scores: [Float]

    /// Largest accepted `max_token_length` (llama2.c vocabularies use a few dozen bytes).
    public static let maxTokenLengthLimit = 1 << 16

    /// Reads and validates `path`.
    public init(path: String, vocabSize: Int? = nil) throws {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw WeightFormatError.io(file: path, reason: "\(error)") }
        try self.init(bytes: Llama2CByteReader(bytes: file.bytes), path: path, vocabSize: vocabSize)
    }

    /// Parses in-memory bytes; `path` only names the source in errors.
    public init(bytes r: Llama2CByteReader, path: String, vocabSize: Int? = nil) throws {
        guard let m = r.int32(at: 0) else {
            throw WeightFormatError.truncated(file: path, field: "max_token_length", offset: 0, needed: 4)
        }
        guard m > 0 else {
            throw WeightFormatError.invalid(file: path, field: "max_token_length", offset: 0, reason: "must be positive, found \(m)")
        }
        guard Int(m) <= Llama2CTokenizerFile.maxTokenLengthLimit else {
            throw WeightFormatError.limitExceeded(file: path, field: "max_token_length", offset: 0,
                                                  value: UInt64(m), limit: UInt64(Llama2CTokenizerFile.maxTokenLengthLimit))
        }
        maxTokenLength = Int(m)
        pieces = []
        scores = []
        var offset = 4
        while offset < r.count {
            let id = pieces.count
            if let vocabSize, id == vocabSize {
                throw WeightFormatError.invalid(file: path, field: "token \(id)", offset: offset,
                                                reason: "\(r.count - offset) bytes after the \(vocabSize) tokens the model needs")
            }
            guard let score = r.float32(at: offset) else {
                throw WeightFormatError.truncated(file: path, field: "token \(id) score", offset: offset, needed: 4)
            }
            guard score.isFinite else {
                throw WeightFormatError.invalid(file: path, field: "token \(id) score", offset: offset, reason: "score is \(score)")
            }
            guard let len = r.int32(at: offset + 4) else {
                throw WeightFormatError.truncated(file: path, field: "token \(id) length", offset: offset + 4, needed: 4)
            }
            guard len > 0, Int(len) <= maxTokenLength else {
                throw WeightFormatError.invalid(file: path, field: "token \(id) length", offset: offset + 4,
                                                reason: "length \(len) outside 1...\(maxTokenLength)")
            }
            let start = offset + 8
            guard r.contains(offset: start, length: Int(len)) else {
                throw WeightFormatError.truncated(file: path, field: "token \(id) bytes", offset: start, needed: Int(len))
            }
            pieces.append(Array(UnsafeRawBufferPointer(rebasing: r.bytes[start ..< start + Int(len)])))
            scores.append(score)
            offset = start + Int(len)
        }
        guard !pieces.isEmpty else {
            throw WeightFormatError.truncated(file: path, field: "token 0 score", offset: 4, needed: 4)
        }
        if let vocabSize, pieces.count != vocabSize {
            throw WeightFormatError.truncated(file: path, field: "token \(pieces.count) score", offset: offset, needed: 4)
        }
    }
}
