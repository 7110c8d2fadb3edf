import TensorCore

/// Encoding of `Float32` values into ggml storage types, as ggml's reference quantizers
/// (`quantize_row_*_ref` in `ggml-quants.c`) and gguf-py's `gguf.quants.quantize` do, bit for bit:
/// - `F32`: the values; `F16`: IEEE binary16, round to nearest even; `BF16`: upper half rounded to
///   nearest even, NaN kept quiet.
/// - `Q8_0` (blocks of 32): `d = max|x| / 127`, `q = round(x / d)` (half away from zero, computed
///   as `x · (1/d)` in Float32), `d` stored as f16.
/// - `Q4_0` (blocks of 32): `m` = the first value of largest magnitude, `d = m / −8`,
///   `q = min(15, trunc(x · (1/d) + 8.5))`, two 4-bit values per byte (value j low nibble,
///   value j + 16 high nibble), `d` stored as f16.
/// A block of zeros gets `d = 0` and `1/d` is taken as 0. Non-finite inputs are refused for the
/// block types (their scale would be meaningless).
public enum GGMLQuantize {
    /// Types `quantize` can produce.
    public static let supportedTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0]

    /// Encodes `values` as `type`; `values.count` must be a multiple of the block size.
    public static func quantize(_ values: UnsafeBufferPointer<Float>, to type: GGMLType,
                                file: String = "<memory>", tensor: String = "") throws -> [UInt8] {
        guard supportedTypes.contains(type) else {
            throw WeightFormatError.unsupportedConversion(file: file, tensor: tensor, type: type.name)
        }
        let n = values.count
        guard let size = type.byteCount(elements: n) else {
            throw WeightFormatError.invalid(file: file, field: "tensor '\(tensor)' data", offset: 0,
                                            reason: "\(n) values are not a whole number of \(type.name) blocks")
        }
        if type == .q8_0 || type == .q4_0, let i = values.firstIndex(where: { !$0.isFinite }) {
            throw WeightFormatError.nonFinite(file: file, tensor: tensor, index: i)
        }
        if n == 0 { return [] }
        let x = values.baseAddress!
        return [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            let o = UnsafeMutableRawPointer(out.baseAddress!)
            switch type {
            case .f32:
                for i in 0..<n { o.storeBytes(of: x[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            case .f16:
                for i in 0..<n { o.storeBytes(of: HalfPrecision.f16(from: x[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case .bf16:
                for i in 0..<n { o.storeBytes(of: HalfPrecision.bf16(from: x[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case .q8_0:
                for b in 0..<(n / 32) { q8_0(x + 32 * b, o + 34 * b) }
            case .q4_0:
                for b in 0..<(n / 32) { q4_0(x + 32 * b, o + 18 * b) }
            default: break  // filtered above
            }
            initialized = size
        }
    }

    /// Encodes an array of values as `type`.
    public static func quantize(_ values: [Float], to type: GGMLType) throws -> [UInt8] {
        try values.withUnsafeBufferPointer { try quantize($0, to: type) }
    }

    static func q8_0(_ x: UnsafePointer<Float>, _ o: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d == 0 ? 0 : 1 / d
        o.storeBytes(of: HalfPrecision.f16(from: d).littleEndian, as: UInt16.self)
        for j in 0..<32 {
            let q = (x[j] * id).rounded(.toNearestOrAwayFromZero)
            o.storeBytes(of: Int8(max(-128, min(127, q))), toByteOffset: 2 + j, as: Int8.self)
        }
    }

    static func q4_0(_ x: UnsafePointer<Float>, _ o: UnsafeMutableRawPointer) {
        var amax: Float = 0, m: Float = 0
        for j in 0..<32 where amax < abs(x[j]) {  // first value of largest magnitude
            amax = abs(x[j]); m = x[j]
        }
        let d = m / -8
        let id: Float = d == 0 ? 0 : 1 / d
        o.storeBytes(of: HalfPrecision.f16(from: d).littleEndian, as: UInt16.self)
        for j in 0..<16 {
            let a = UInt8(max(0, min(15, (x[j] * id + 8.5).rounded(.towardZero))))
            let b = UInt8(max(0, min(15, (x[j + 16] * id + 8.5).rounded(.towardZero))))
            o.storeBytes(of: a | (b << 4), toByteOffset: 2 + j, as: UInt8.self)
        }
    }
}
