import WeightFormats

extension Llama2CTokenizer {
    /// The SentencePiece-style vocabulary of a GGUF file with `tokenizer.ggml.model = "llama"`:
    /// `tokenizer.ggml.tokens` (spaces written as U+2581 "▁", turned back into spaces here),
    /// `tokenizer.ggml.scores`, `tokenizer.ggml.token_type` (3 = control, rendered as nothing),
    /// BOS/EOS ids, and `tokenizer.ggml.add_space_prefix` (default true). Encoding is llama.cpp's SPM
    /// algorithm: best-score merges over the characters, byte fallback through `<0xNN>` pieces.
    public init(ggufMetadata m: [String: MetadataValue], source: String) throws {
        guard let tokens = m["tokenizer.ggml.tokens"]?.arrayValue, !tokens.isEmpty else {
            throw ReferenceLMError.invalidConfig(source: source, field: "tokenizer.ggml.tokens", reason: "missing or empty")
        }
        let scores = m["tokenizer.ggml.scores"]?.arrayValue ?? []
        guard scores.isEmpty || scores.count == tokens.count else {
            throw ReferenceLMError.invalidConfig(source: source, field: "tokenizer.ggml.scores",
                                                 reason: "\(scores.count) scores for \(tokens.count) tokens")
        }
        let types = m["tokenizer.ggml.token_type"]?.arrayValue ?? []
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            guard let s = t.stringValue else {
                throw ReferenceLMError.invalidConfig(source: source, field: "tokenizer.ggml.tokens", reason: "element \(i) is not a string")
            }
            pieces.append(Array(s.replacingOccurrences(of: "\u{2581}", with: " ").utf8))
        }
        var scoreValues: [Float] = []
        for (i, v) in scores.enumerated() {
            guard let x = v.doubleValue, x.isFinite else {
                throw ReferenceLMError.invalidConfig(source: source, field: "tokenizer.ggml.scores", reason: "element \(i) is not a finite number")
            }
            scoreValues.append(Float(x))
        }
        if scoreValues.isEmpty { scoreValues = [Float](repeating: 0, count: pieces.count) }
        let control = Set(types.enumerated().compactMap { $0.element.intValue == 3 ? $0.offset : nil })
        var addPrefix = true
        if case let .bool(b)? = m["tokenizer.ggml.add_space_prefix"] { addPrefix = b }
        self.init(pieces: pieces, scores: scoreValues, bosID: m["tokenizer.ggml.bos_token_id"]?.intValue ?? 1,
                  eosID: m["tokenizer.ggml.eos_token_id"]?.intValue ?? 2, controlIDs: control, addsSpacePrefix: addPrefix)
    }
}
