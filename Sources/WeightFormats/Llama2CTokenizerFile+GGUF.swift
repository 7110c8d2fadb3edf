import Foundation

extension Llama2CTokenizerFile {
    /// The `tokenizer.ggml.*` key/values llama.cpp reads for this vocabulary, as llama.cpp's
    /// `convert-llama2c-to-ggml` writes them (and as `stories260K.gguf` holds them):
    /// `tokenizer.ggml.model = "llama"` (SentencePiece-style merges by score); `tokens` with every
    /// space written as U+2581 "▁"; `scores`; `token_type` 2 (unknown) for id 0, 3 (control) for the
    /// BOS id 1 and EOS id 2, 6 (byte) for `<0xNN>` pieces, 1 (normal) otherwise; unknown/BOS/EOS ids
    /// 0, 1, 2. Throws `WeightFormatError.invalid` naming `path` and the token when a piece is not
    /// valid UTF-8 (GGUF strings are UTF-8).
    public func ggufTokenizerMetadata(path: String) throws -> [(key: String, value: MetadataValue)] {
        var tokens: [MetadataValue] = [], types: [MetadataValue] = []
        tokens.reserveCapacity(pieces.count)
        types.reserveCapacity(pieces.count)
        for (id, piece) in pieces.enumerated() {
            guard let text = String(validating: piece, as: UTF8.self) else {
                throw WeightFormatError.invalid(file: path, field: "token \(id)", offset: 0,
                                                reason: "piece is not valid UTF-8, so it cannot be a GGUF string")
            }
            tokens.append(.string(text.replacingOccurrences(of: " ", with: "\u{2581}")))
            let type: Int32
            switch id {
            case 0: type = 2
            case 1, 2: type = 3
            default: type = Self.isBytePiece(piece) ? 6 : 1
            }
            types.append(.int32(type))
        }
        return [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(elementType: GGUFValueType.string.rawValue, values: tokens)),
            ("tokenizer.ggml.scores", .array(elementType: GGUFValueType.float32.rawValue, values: scores.map { .float32($0) })),
            ("tokenizer.ggml.token_type", .array(elementType: GGUFValueType.int32.rawValue, values: types)),
            ("tokenizer.ggml.bos_token_id", .uint32(1)),
            ("tokenizer.ggml.eos_token_id", .uint32(2)),
            ("tokenizer.ggml.unknown_token_id", .uint32(0)),
        ]
    }

    /// Whether `piece` is a byte-fallback piece `<0xNN>` (two upper-case hex digits).
    static func isBytePiece(_ piece: [UInt8]) -> Bool {
        guard piece.count == 6, piece[0] == UInt8(ascii: "<"), piece[1] == UInt8(ascii: "0"), piece[2] == UInt8(ascii: "x"),
              piece[5] == UInt8(ascii: ">") else { return false }
        return piece[3...4].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
    }

    /// The llama2.c tokenizer the runtime would use for a checkpoint at `checkpointPath` with
    /// `vocabSize` tokens: `tok<vocabSize>.bin`, else `tokenizer.bin`, in the checkpoint's folder;
    /// `nil` when neither exists.
    public static func besideCheckpoint(_ checkpointPath: String, vocabSize: Int) -> String? {
        let dir = (checkpointPath as NSString).deletingLastPathComponent
        return ["tok\(vocabSize).bin", "tokenizer.bin"].map { (dir as NSString).appendingPathComponent($0) }
            .first { FileManager.default.fileExists(atPath: $0) }
    }
}
