/// Element types of dense tensors as safetensors names them.
///
/// Quantized block types (ggml's Q4_0 … Q6_K) are not element types; `WeightFormats.GGMLType`
/// describes those.
public enum DType: String, CaseIterable, Sendable, Codable {
    /// IEEE 754 binary64, binary32, binary16, and bfloat16 (8-bit exponent, 7-bit mantissa: the top half of a binary32).
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    /// OCP 8-bit floats (Micikevicius et al. 2022): E4M3 (bias 7, no infinities, one NaN pattern, max 448) and
    /// E5M2 (bias 15, IEEE-like with ±∞ and NaNs, max 57344).
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"
    /// Two's-complement signed integers, little-endian in files.
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    /// Unsigned integers, little-endian in files.
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
    /// One byte per element, 0 = false, nonzero = true.
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .f8e4m3, .f8e5m2, .i8, .u8, .bool: return 1
        }
    }

    /// Whether values of this type convert to `Float` as weights (floating-point types).
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16, .f8e4m3, .f8e5m2: return true
        default: return false
        }
    }
}
