import Decomposition
import TensorCore

/// One source tensor as it will be stored: its manifest entry (checksums filled) and the bytes
/// of each stored tensor, plus the factors decoded back from those bytes (exactly what a reader
/// of the file gets), for in-process use (e.g. evaluating a plan without writing a file).
public struct CompressedTensor: Sendable {
    /// One stored tensor.
    public struct Part: Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        /// Little-endian bytes as stored (unshuffled).
        public var bytes: [UInt8]
    }

    public var entry: CompressionManifest.Entry
    public var parts: [Part]
    /// For `lowrank`: A (m×k), B (k×n) as stored (rounded to the stored dtype).
    public var lowRank: LowRankFactors?
    /// For `tt`: the train as stored.
    public var tensorTrain: TensorTrainMatrix?
}
