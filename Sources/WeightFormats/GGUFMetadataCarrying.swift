/// A checkpoint that carries GGUF key/values of its own — e.g. a compressed checkpoint that
/// recorded its source's metadata and tokenizer — so a GGUF export copies them through in order
/// (with `general.file_type` updated) instead of deriving them.
public protocol GGUFMetadataCarrying: WeightSource {
    /// The key/values in the order they should be written.
    var ggufMetadata: [(key: String, value: MetadataValue)] { get }
}
