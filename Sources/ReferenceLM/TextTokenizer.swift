/// Text ↔ token ids for a language model.
public protocol TextTokenizer: Sendable {
    /// Number of token ids (`0..<vocabularySize`).
    var vocabularySize: Int { get }
    /// Beginning-of-sequence id, if the vocabulary has one.
    var bosID: Int? { get }
    /// End-of-sequence id, if the vocabulary has one.
    var eosID: Int? { get }
    /// Token ids of `text`, with BOS first when `addBOS` and the vocabulary has one.
    func encode(_ text: String, addBOS: Bool) -> [Int]
    /// The text of `ids` (BOS/EOS and other control tokens render as nothing).
    func decode(_ ids: [Int]) -> String
}
