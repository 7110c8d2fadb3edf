import Foundation

extension GPT2Tokenizer {
    /// A byte-level BPE `tokenizer.json` (Hugging Face `tokenizers`): `model.type` BPE with `vocab`
    /// and `merges`, a `ByteLevel` pre-tokenizer (optionally after `Digits` with individual digits).
    /// Added tokens marked `special` render as nothing when decoding. BOS is `bos` when given
    /// (from `config.json`'s `bos_token_id`).
    public init(huggingFaceTokenizerPath path: String, bosID: Int?, eosID: Int?) throws {
        func bad(_ reason: String) -> ReferenceLMError { .file(path: path, reason: reason) }
        guard let data = FileManager.default.contents(atPath: path),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let model = json["model"] as? [String: Any] else { throw bad("not a tokenizer.json") }
        guard model["type"] as? String == "BPE", let vocab = model["vocab"] as? [String: Int] else {
            throw bad("only BPE tokenizer.json files are supported")
        }
        let merges: [String]
        if let m = model["merges"] as? [String] {
            merges = m
        } else if let m = model["merges"] as? [[String]] {
            merges = m.map { $0.joined(separator: " ") }
        } else { throw bad("model.merges missing") }
        let preJSON = json["pre_tokenizer"] as? [String: Any]
        let parts = (preJSON?["pretokenizers"] as? [[String: Any]]) ?? (preJSON.map { [$0] } ?? [])
        guard parts.contains(where: { $0["type"] as? String == "ByteLevel" }) else {
            throw bad("only byte-level (ByteLevel pre-tokenizer) BPE is supported")
        }
        let digits = parts.contains { $0["type"] as? String == "Digits" && ($0["individual_digits"] as? Bool ?? false) }
        var tokens = [String](repeating: "", count: (vocab.values.max() ?? -1) + 1)
        for (t, i) in vocab where i >= 0 { tokens[i] = t }
        var special = Set<Int>()
        for a in (json["added_tokens"] as? [[String: Any]]) ?? [] {
            if let id = a["id"] as? Int, let content = a["content"] as? String, id >= 0 {
                if id >= tokens.count { tokens += [String](repeating: "", count: id - tokens.count + 1) }
                tokens[id] = content
                if a["special"] as? Bool ?? false { special.insert(id) }
            }
        }
        self.init(tokens: tokens, merges: merges, preTokenizer: digits ? .digitsThenGPT2 : .gpt2,
                  bosID: bosID, eosID: eosID, controlIDs: special)
    }
}
