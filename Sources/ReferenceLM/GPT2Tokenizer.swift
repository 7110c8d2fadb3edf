import WeightFormats

/// Byte-level BPE (GPT-2 family) over a GGUF vocabulary with `tokenizer.ggml.model = "gpt2"`.
///
/// Encoding: (1) pre-tokenize with the regex `tokenizer.ggml.pre` names — for "smollm" (and
/// "starcoder", "refact", …) llama.cpp first splits every `\p{N}` into its own chunk, then applies
/// GPT-2's `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` inside each
/// chunk; "gpt2"/default skips the digit split; (2) map each pre-token's UTF-8 bytes to GPT-2's
/// printable byte alphabet; (3) repeatedly merge the adjacent pair with the lowest rank in
/// `tokenizer.ggml.merges` (every occurrence, left to right); (4) look the symbols up in
/// `tokenizer.ggml.tokens`. The pre-tokenizer is written by hand over Unicode general categories
/// (L*, N*) and the White_Space property. Special tokens in the text are not parsed (encoded as text).
/// Decoding concatenates the pieces and maps the byte alphabet back, so `decode(encode(s)) == s`.
public struct GPT2Tokenizer: TextTokenizer {
    /// Which pre-tokenizer regex set to use.
    public enum PreTokenizer: String, Sendable {
        /// GPT-2's regex alone.
        case gpt2
        /// Single digits first, then GPT-2's regex (llama.cpp's "smollm", "starcoder", "refact", …).
        case digitsThenGPT2
    }

    /// Token strings by id, in GPT-2's printable byte alphabet (e.g. `Ġ` for a leading space byte 0x20).
    public let tokens: [String]
    let ids: [String: Int]
    /// Rank of a merge "left right" (lower merges first).
    let ranks: [String: Int]
    let preTokenizer: PreTokenizer
    let controlIDs: Set<Int>
    /// Beginning-of-sequence id from `tokenizer.ggml.bos_token_id`; `nil` when absent or outside `0..<tokens.count`.
    public let bosID: Int?
    /// End-of-sequence id from `tokenizer.ggml.eos_token_id`; `nil` when absent or outside `0..<tokens.count`.
    public let eosID: Int?
    /// Number of ids, `tokens.count`.
    public var vocabularySize: Int { tokens.count }

    /// GPT-2's `bytes_to_unicode`: printable bytes map to themselves, the others to U+0100 upward.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var n = 0
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            table[b] = Unicode.Scalar(UInt32(printable ? b : 256 + n))!
            if !printable { n += 1 }
        }
        return table
    }()
    static let scalarToByte: [UInt32: UInt8] = {
        var m: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { m[s.value] = UInt8(b) }
        return m
    }()

    /// A tokenizer from its tables. `merges` are `"left right"` strings, rank = position (lower merges first; the
    /// first occurrence wins on duplicates, as does the first id of a repeated token). Out-of-range BOS/EOS ids
    /// become `nil`. `controlIDs` render as nothing in `decode`; BOS/EOS are not added to them automatically.
    public init(tokens: [String], merges: [String], preTokenizer: PreTokenizer, bosID: Int?, eosID: Int?, controlIDs: Set<Int> = []) {
        self.tokens = tokens
        var ids: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        self.ids = ids
        var ranks: [String: Int] = [:]
        for (i, m) in merges.enumerated() where ranks[m] == nil { ranks[m] = i }
        self.ranks = ranks
        self.preTokenizer = preTokenizer
        self.bosID = bosID.flatMap { $0 >= 0 && $0 < tokens.count ? $0 : nil }
        self.eosID = eosID.flatMap { $0 >= 0 && $0 < tokens.count ? $0 : nil }
        self.controlIDs = controlIDs
    }

    /// Reads `tokenizer.ggml.tokens`, `.merges`, `.token_type`, `.pre`, BOS/EOS from GGUF metadata.
    public init(ggufMetadata m: [String: MetadataValue], source: String) throws {
        func strings(_ key: String) throws -> [String] {
            guard let a = m[key]?.arrayValue else {
                throw ReferenceLMError.invalidConfig(source: source, field: key, reason: "missing")
            }
            return try a.enumerated().map { i, v in
                guard let s = v.stringValue else {
                    throw ReferenceLMError.invalidConfig(source: source, field: key, reason: "element \(i) is not a string")
                }
                return s
            }
        }
        let pre: PreTokenizer
        switch m["tokenizer.ggml.pre"]?.stringValue ?? "default" {
        case "default", "gpt2", "gpt-2", "mpt", "olmo", "jais": pre = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva": pre = .digitsThenGPT2
        case let other:
            throw ReferenceLMError.invalidConfig(source: source, field: "tokenizer.ggml.pre", reason: "pre-tokenizer '\(other)' is not supported")
        }
        let types = m["tokenizer.ggml.token_type"]?.arrayValue ?? []
        self.init(tokens: try strings("tokenizer.ggml.tokens"), merges: try strings("tokenizer.ggml.merges"), preTokenizer: pre,
                  bosID: m["tokenizer.ggml.bos_token_id"]?.intValue, eosID: m["tokenizer.ggml.eos_token_id"]?.intValue,
                  controlIDs: Set(types.enumerated().compactMap { $0.element.intValue == 3 ? $0.offset : nil }))
    }

    /// Token ids of `text` (steps 1–4 above), with `bosID` first when `addBOS` and the vocabulary has one.
    /// Never fails: a merged symbol missing from the vocabulary falls back to its single byte-symbols.
    public func encode(_ text: String, addBOS: Bool) -> [Int] {
        var out: [Int] = []
        if addBOS, let bos = bosID { out.append(bos) }
        var cache: [String: [Int]] = [:]
        for word in GPT2Tokenizer.preTokenize(text, digitsFirst: preTokenizer == .digitsThenGPT2) {
            if let hit = cache[word] { out += hit; continue }
            let ids = bpe(word)
            cache[word] = ids
            out += ids
        }
        return out
    }

    /// BPE on one pre-token: byte alphabet, then lowest-rank merges until none applies.
    func bpe(_ word: String) -> [Int] {
        var symbols = word.utf8.map { String(Character(GPT2Tokenizer.byteToScalar[Int($0)])) }
        while symbols.count > 1 {
            var best = Int.max, bestIndex = -1
            for i in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[i] + " " + symbols[i + 1]], r < best { best = r; bestIndex = i }
            }
            if bestIndex < 0 { break }
            let (a, b) = (symbols[bestIndex], symbols[bestIndex + 1])
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i < symbols.count - 1, symbols[i] == a, symbols[i + 1] == b {
                    merged.append(a + b); i += 2
                } else {
                    merged.append(symbols[i]); i += 1
                }
            }
            symbols = merged
        }
        var out: [Int] = []
        for s in symbols {
            if let id = ids[s] { out.append(id); continue }
            // Not in the vocabulary: fall back to its single byte-symbols (always present in byte-level vocabularies).
            for ch in s.unicodeScalars { if let id = ids[String(Character(ch))] { out.append(id) } }
        }
        return out
    }

    /// The text of `ids`: pieces concatenated and mapped back from the byte alphabet to UTF-8 bytes (scalars
    /// outside the alphabet copied as their own UTF-8; control ids and ids outside the vocabulary skipped;
    /// invalid UTF-8 repaired with U+FFFD).
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count && !controlIDs.contains(id) {
            for s in tokens[id].unicodeScalars {
                if let b = GPT2Tokenizer.scalarToByte[s.value] { bytes.append(b) } else { bytes += Array(String(s).utf8) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Pre-tokenizer

    enum Class { case letter, number, space, other }

    static func classify(_ s: Unicode.Scalar) -> Class {
        if s.properties.isWhitespace { return .space }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Splits `text` as llama.cpp's GPT-2 pre-tokenizer does (optionally after isolating each digit).
    static func preTokenize(_ text: String, digitsFirst: Bool) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(classify)
        var out: [String] = []
        func emit(_ a: Int, _ b: Int) {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[a..<b])
            out.append(String(s))
        }
        // Chunks: each number scalar alone when digitsFirst, else the whole text.
        var chunks: [(Int, Int)] = []
        if digitsFirst {
            var start = 0
            for i in scalars.indices where classes[i] == .number {
                if start < i { chunks.append((start, i)) }
                chunks.append((i, i + 1))
                start = i + 1
            }
            if start < scalars.count { chunks.append((start, scalars.count)) }
        } else {
            chunks = [(0, scalars.count)]
        }
        for (lo, hi) in chunks {
            var p = lo
            func cls(_ i: Int) -> Class? { i < hi ? classes[i] : nil }
            while p < hi {
                let c = scalars[p]
                // 's 't 're 've 'm 'll 'd
                if c == "'", p + 1 < hi {
                    let n = scalars[p + 1]
                    if n == "s" || n == "t" || n == "m" || n == "d" { emit(p, p + 2); p += 2; continue }
                    if p + 2 < hi {
                        let n2 = scalars[p + 2]
                        if (n == "r" && n2 == "e") || (n == "v" && n2 == "e") || (n == "l" && n2 == "l") { emit(p, p + 3); p += 3; continue }
                    }
                }
                // ' ?' then a run of one class: letters, numbers, or other (not space/letter/number)
                let q = (c == " " && p + 1 < hi && cls(p + 1) != .space) ? p + 1 : p
                if let k = cls(q), k != .space {
                    var e = q + 1
                    while let k2 = cls(e), k2 == k { e += 1 }
                    emit(p, e); p = e; continue
                }
                // \s+(?!\S) | \s+
                var e = p
                while cls(e) == .space { e += 1 }
                if e - p > 1, e < hi { e -= 1 }  // leave the last space to prefix the next token
                emit(p, e); p = e
            }
        }
        return out
    }
}
