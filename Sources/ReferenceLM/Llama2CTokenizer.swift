import Foundation
import WeightFormats

/// The tokenizer of llama2.c (`run.c`'s `encode`/`decode`) over a `tokenizer.bin` vocabulary:
/// SentencePiece-style BPE where merges are chosen greedily by score.
///
/// Encoding: a dummy-prefix space token starts every non-empty text; each UTF-8 code point becomes
/// its own piece when the vocabulary has it, otherwise one byte-fallback token per byte (`<0xNN>` is
/// id NN+3); then, repeatedly, the adjacent pair whose concatenation is a vocabulary piece with the
/// highest score (leftmost on ties) is merged, until no pair merges. BOS is 1, EOS 2.
///
/// Merges never create a piece with a space after its first byte in SentencePiece vocabularies, so
/// when the vocabulary has no such piece the text is merged in word-sized chunks that start at each
/// space — the same result in O(n) instead of `run.c`'s O(n²) over the whole text. Vocabularies that
/// break the rule are merged whole.
public struct Llama2CTokenizer: TextTokenizer {
    /// Pieces by id (raw bytes).
    public let pieces: [[UInt8]]
    /// Merge scores by id.
    public let scores: [Float]
    /// id of each piece (the first id when a piece repeats).
    let lookup: [[UInt8]: Int]
    /// Whether merging may be done per space-started chunk (see the type's doc).
    let chunkable: Bool
    /// Token id of each byte's fallback piece `<0xNN>` (llama2.c: NN + 3), `-1` when absent.
    let byteFallback: [Int]
    /// Whether a non-empty text starts with the dummy-prefix space.
    public let addsSpacePrefix: Bool
    /// Ids that render as nothing when decoding (BOS, EOS and other control tokens).
    let controlIDs: Set<Int>
    /// Beginning-of-sequence id (llama2.c: 1); `nil` when absent or outside `0..<pieces.count`. Decoding treats it
    /// as a control token and restarts dummy-prefix stripping after it.
    public let bosID: Int?
    /// End-of-sequence id (llama2.c: 2); `nil` when absent or outside `0..<pieces.count`. Renders as nothing.
    public let eosID: Int?

    /// Number of ids, `pieces.count`.
    public var vocabularySize: Int { pieces.count }

    /// Wraps a parsed `tokenizer.bin`.
    public init(file: Llama2CTokenizerFile) {
        self.init(pieces: file.pieces, scores: file.scores)
    }

    /// A vocabulary of raw-byte pieces (spaces as 0x20) with scores. llama2.c defaults: BOS 1, EOS 2,
    /// dummy prefix on.
    public init(pieces: [[UInt8]], scores: [Float], bosID: Int? = 1, eosID: Int? = 2, controlIDs: Set<Int> = [],
                addsSpacePrefix: Bool = true) {
        self.pieces = pieces
        self.scores = scores
        var lookup: [[UInt8]: Int] = [:]
        for (i, p) in pieces.enumerated() where lookup[p] == nil { lookup[p] = i }
        self.lookup = lookup
        chunkable = !pieces.contains { $0.dropFirst().contains(0x20) }
        byteFallback = (0..<256).map { b in lookup[Array(String(format: "<0x%02X>", b).utf8)] ?? -1 }
        self.bosID = bosID.flatMap { $0 >= 0 && $0 < pieces.count ? $0 : nil }
        self.eosID = eosID.flatMap { $0 >= 0 && $0 < pieces.count ? $0 : nil }
        self.controlIDs = controlIDs.union([self.bosID, self.eosID].compactMap { $0 })
        self.addsSpacePrefix = addsSpacePrefix
    }

    /// Reads `tokenizer.bin` at `path` (requiring `vocabSize` tokens when given).
    public init(path: String, vocabSize: Int? = nil) throws {
        self.init(file: try Llama2CTokenizerFile(path: path, vocabSize: vocabSize))
    }

    /// Token ids of `text` as `run.c`'s `encode` produces them (see the type's doc), with `bosID` first when `addBOS`.
    /// An empty text gives only the BOS (or nothing). Bytes with neither a code-point piece nor a `<0xNN>` piece
    /// are dropped.
    public func encode(_ text: String, addBOS: Bool) -> [Int] {
        var out: [Int] = []
        if addBOS, let bos = bosID { out.append(bos) }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return out }
        // Initial symbols: dummy prefix, then one per code point (or per byte as fallback).
        var symbols: [Int] = []
        if addsSpacePrefix, let space = lookup[[0x20]] { symbols.append(space) }
        var i = 0
        while i < bytes.count {
            var end = i + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80, end - i < 4 { end += 1 }
            let cp = Array(bytes[i..<end])
            if let id = lookup[cp] {
                symbols.append(id)
            } else {
                for b in cp where byteFallback[Int(b)] >= 0 { symbols.append(byteFallback[Int(b)]) }
            }
            i = end
        }
        // Every byte dropped (no piece and no byte fallback): nothing to merge.
        guard !symbols.isEmpty else { return out }
        if chunkable {
            var start = 0
            for j in 1...symbols.count where j == symbols.count || pieces[symbols[j]].first == 0x20 {
                out += merge(Array(symbols[start..<j]))
                start = j
            }
        } else {
            out += merge(symbols)
        }
        return out
    }

    /// `run.c`'s merge loop: merge the best-scoring adjacent pair (leftmost on ties) until none merges.
    func merge(_ input: [Int]) -> [Int] {
        var s = input
        while s.count > 1 {
            var best = -Float.infinity, bestIndex = -1, bestID = -1
            for j in 0..<(s.count - 1) {
                if let id = lookup[pieces[s[j]] + pieces[s[j + 1]]], scores[id] > best {
                    best = scores[id]; bestIndex = j; bestID = id
                }
            }
            if bestIndex < 0 { break }
            s[bestIndex] = bestID
            s.remove(at: bestIndex + 1)
        }
        return s
    }

    /// The bytes token `id` stands for: `<0xNN>` pieces are the raw byte NN; BOS/EOS render as nothing.
    public func bytes(of id: Int) -> [UInt8] {
        guard id >= 0, id < pieces.count, !controlIDs.contains(id) else { return [] }
        let p = pieces[id]
        if p.count == 6, p.starts(with: Array("<0x".utf8)), p.last == UInt8(ascii: ">"),
           let v = UInt8(String(decoding: p[3..<5], as: UTF8.self), radix: 16) {
            return [v]
        }
        return p
    }

    /// Concatenates the pieces' bytes; a leading space after BOS (or at the start) — the dummy
    /// prefix — is dropped, as `run.c` and SentencePiece do. Invalid UTF-8 decodes to U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        var out: [UInt8] = []
        var atStart = true
        for id in ids {
            if id == bosID { atStart = true; continue }
            if controlIDs.contains(id) { continue }
            var b = bytes(of: id)
            // Only the first piece after BOS (or the start) loses its leading (dummy-prefix) space.
            if atStart, addsSpacePrefix, b.first == 0x20 { b.removeFirst() }
            atStart = false
            out += b
        }
        return String(decoding: out, as: UTF8.self)
    }
}
