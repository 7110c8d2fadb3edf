import Decomposition
import TensorCore

/// One source tensor as it will be stored: its manifest entry (checksums filled) and the bytes
/// of each stored tensor, plus the factors decoded back from those bytes (exactly what a reader
/// of the file gets), for in-process use (e.g. evaluating a plan without writing a file).
public struct CompressedTensor: Sendable {
    /// One stored tensor.
    public struct Part: Sendable, Equatable {
        /// The stored tensor's name: the source name (`dense`), `<name>.lr.a` / `<name>.lr.b`, or `<name>.tt.<i>`.
        public var name: String
        /// The stored element type (F32, F16 or BF16; 1-D tensors F32); `bytes` holds values of this type.
        public var dtype: DType
        /// Row-major shape as stored: A (m, k), B (k, n), core (r_i, m_i, n_i, r_{i+1}), or the original shape;
        /// `bytes.count == shape.product × dtype.byteSize`.
        public var shape: [Int]
        /// Little-endian bytes as stored (unshuffled).
        public var bytes: [UInt8]
    }

    /// The tensor's manifest entry, with every part's SHA-256 already computed from `parts[i].bytes`.
    public var entry: CompressionManifest.Entry
    /// The stored tensors, in the order of `entry.stored` (A then B; cores 0…d−1; or the one dense tensor).
    public var parts: [Part]
    /// For `lowrank`: A (m×k), B (k×n) as stored (rounded to the stored dtype).
    public var lowRank: LowRankFactors?
    /// For `tt`: the train as stored.
    public var tensorTrain: TensorTrainMatrix?
}

extension CompressedTensor {
    /// A low-rank tensor as stored: parts `<name>.lr.a` (rows, k) and `<name>.lr.b` (k, columns) holding
    /// `aBytes`/`bBytes` in `dtype`, `stored` the factors decoded from those bytes, and its manifest entry
    /// (`layout: "lowrank"`, every part's SHA-256) with the given method and errors.
    static func lowRank(name: String, stored: LowRankFactors, aBytes: [UInt8], bBytes: [UInt8], dtype: DType,
                        method: String, originalShape: [Int], originalType: String,
                        predicted: Double, predictedMetric: String, measured: Double, measuredMetric: String) -> CompressedTensor {
        let k = stored.a.columns
        let parts: [Part] = [.init(name: name + ".lr.a", dtype: dtype, shape: [stored.rows, k], bytes: aBytes),
                             .init(name: name + ".lr.b", dtype: dtype, shape: [k, stored.columns], bytes: bBytes)]
        let entry = CompressionManifest.Entry(
            name: name, layout: "lowrank", method: method, rank: k, originalShape: originalShape, originalType: originalType,
            stored: parts.map { .init(name: $0.name, dtype: dtype.rawValue, shape: $0.shape, sha256: SHA256.hex($0.bytes)) },
            predictedError: predicted, predictedErrorMetric: predictedMetric, measuredError: measured, measuredErrorMetric: measuredMetric)
        return CompressedTensor(entry: entry, parts: parts, lowRank: stored, tensorTrain: nil)
    }
}
