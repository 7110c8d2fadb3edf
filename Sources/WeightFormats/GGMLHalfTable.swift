import TensorCore

/// All 65,536 IEEE binary16 values widened to Float32 (256 KiB, built once on first use), so
/// F16 decoding in the dequantization loops is one load.
enum _HalfTable {
    static let values: [Float] = (0...UInt16.max).map { HalfPrecision.float(fromF16: $0) }
}
