#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorCore

/// Conversions between the little-endian element bytes of a dense tensor and `Float`.
///
/// Decoding F16, BF16 and the FP8 formats is exact (each of their values is a Float32); F16 and
/// FP8 go through lookup tables built once from `HalfPrecision`, so the hot loop is one load per
/// element. F64 rounds to nearest even (Swift's `Float(Double)`, like numpy's `astype`).
/// Encoding to F16 and BF16 rounds to nearest even (`HalfPrecision`).
enum SafeTensorsConversion {
    /// `Float` value of every F16 bit pattern (256 KiB).
    static let f16Table: [Float] = (0...0xFFFF).map { HalfPrecision.float(fromF16: UInt16($0)) }
    /// `Float` value of every F8_E4M3 byte.
    static let e4m3Table: [Float] = (0...0xFF).map { HalfPrecision.float(fromF8E4M3: UInt8($0)) }
    /// `Float` value of every F8_E5M2 byte.
    static let e5m2Table: [Float] = (0...0xFF).map { HalfPrecision.float(fromF8E5M2: UInt8($0)) }

    /// Decodes `raw` (a whole number of `dtype` elements) into `out`, which holds exactly
    /// `raw.count / dtype.byteSize` elements. `dtype` must be a floating-point type.
    static func decode(_ raw: UnsafeRawBufferPointer, dtype: DType, into out: UnsafeMutableBufferPointer<Float>) {
        let n = out.count
        guard n > 0, let src = raw.baseAddress, let dst = out.baseAddress else { return }
        switch dtype {
        case .f32:
            #if _endian(little)
            memcpy(dst, src, n * 4)
            #else
            for i in 0..<n { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            #endif
        case .f64:
            for i in 0..<n {
                dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .bf16:
            for i in 0..<n {
                let h = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                dst[i] = Float(bitPattern: UInt32(h) << 16)
            }
        case .f16:
            f16Table.withUnsafeBufferPointer { table in
                let t = table.baseAddress!
                for i in 0..<n {
                    dst[i] = t[Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))]
                }
            }
        case .f8e4m3, .f8e5m2:
            let table = dtype == .f8e4m3 ? e4m3Table : e5m2Table
            let bytes = src.assumingMemoryBound(to: UInt8.self)
            table.withUnsafeBufferPointer { tb in
                let t = tb.baseAddress!
                for i in 0..<n { dst[i] = t[Int(bytes[i])] }
            }
        default:
            return // integer types are refused by the callers
        }
    }

    /// Dtypes `encode` can write.
    static let encodable: Set<DType> = [.f32, .f16, .bf16]

    /// Appends `values` encoded as `dtype` (F32, F16 or BF16) little-endian to `out`.
    /// Returns `false` for other dtypes.
    static func encode(_ values: UnsafeBufferPointer<Float>, as dtype: DType, into out: inout [UInt8]) -> Bool {
        let n = values.count
        let start = out.count
        switch dtype {
        case .f32:
            out.append(contentsOf: repeatElement(0, count: n * 4))
            out.withUnsafeMutableBytes { b in
                for i in 0..<n { b.storeBytes(of: values[i].bitPattern.littleEndian, toByteOffset: start + 4 * i, as: UInt32.self) }
            }
        case .f16, .bf16:
            out.append(contentsOf: repeatElement(0, count: n * 2))
            out.withUnsafeMutableBytes { b in
                for i in 0..<n {
                    let h = dtype == .f16 ? HalfPrecision.f16(from: values[i]) : HalfPrecision.bf16(from: values[i])
                    b.storeBytes(of: h.littleEndian, toByteOffset: start + 2 * i, as: UInt16.self)
                }
            }
        default:
            return false
        }
        return true
    }
}
