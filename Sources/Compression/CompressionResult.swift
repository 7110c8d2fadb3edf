/// What `Compressor.write` produced.
public struct CompressionResult: Sendable {
    /// The output file.
    public var path: String
    /// Its size in bytes.
    public var fileBytes: Int
    /// Bytes of tensor data in the (uncompressed) safetensors.
    public var tensorBytes: Int
    /// The manifest written into it.
    public var manifest: CompressionManifest
    /// Factored tensors taken from the resume journal instead of recomputed.
    public var resumedTensors: Int
    /// Factored tensors computed in this run.
    public var computedTensors: Int
    /// For `--zstd`: bytes of plain zstd of the same safetensors without byte shuffling, at the
    /// same level (the gain measured on this very file); `nil` otherwise.
    public var plainZstdBytes: Int?
}
