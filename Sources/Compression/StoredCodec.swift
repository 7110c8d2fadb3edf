import TensorCore

/// Little-endian encoding of Float32 values as a stored element type, and back.
/// F16 and BF16 round to nearest even (`HalfPrecision`); decoding is exact.
enum StoredCodec {
    static func encode(_ values: [Float], as dtype: DType) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * dtype.byteSize)
        out.withUnsafeMutableBytes { o in
            switch dtype {
            case .f16:
                for (i, v) in values.enumerated() { o.storeBytes(of: HalfPrecision.f16(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case .bf16:
                for (i, v) in values.enumerated() { o.storeBytes(of: HalfPrecision.bf16(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            default:
                for (i, v) in values.enumerated() { o.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            }
        }
        return out
    }

    /// Decodes F32, F16, BF16 or F64 (rounded); `nil` for other types.
    static func decode(_ raw: UnsafeRawBufferPointer, as dtype: DType) -> [Float]? {
        let n = raw.count / max(dtype.byteSize, 1)
        switch dtype {
        case .f32: return (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        case .f16: return (0..<n).map { HalfPrecision.float(fromF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case .bf16: return (0..<n).map { HalfPrecision.float(fromBF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case .f64: return (0..<n).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
        default: return nil
        }
    }
}
