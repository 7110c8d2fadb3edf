/// The 13 value types of GGUF metadata, numbered as in `enum gguf_type` (`gguf.h`).
///
/// Fixed-size types have `byteSize > 0`; `string` (u64 length + UTF-8 bytes) and `array`
/// (u32 element type + u64 count + elements) are variable-size.
public enum GGUFValueType: UInt32, CaseIterable, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of one value of a fixed-size type; 0 for `string` and `array`.
    public var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return 0
        }
    }

    /// The name llama.cpp prints (`u8`, `str`, `arr`, …).
    public var name: String {
        switch self {
        case .uint8: return "u8"
        case .int8: return "i8"
        case .uint16: return "u16"
        case .int16: return "i16"
        case .uint32: return "u32"
        case .int32: return "i32"
        case .float32: return "f32"
        case .bool: return "bool"
        case .string: return "str"
        case .array: return "arr"
        case .uint64: return "u64"
        case .int64: return "i64"
        case .float64: return "f64"
        }
    }

    /// The type of a scalar metadata value; `nil` for arrays.
    public init?(scalar value: MetadataValue) {
        switch value {
        case .uint8: self = .uint8
        case .int8: self = .int8
        case .uint16: self = .uint16
        case .int16: self = .int16
        case .uint32: self = .uint32
        case .int32: self = .int32
        case .float32: self = .float32
        case .bool: self = .bool
        case .string: self = .string
        case .uint64: self = .uint64
        case .int64: self = .int64
        case .float64: self = .float64
        case .array: return nil
        }
    }
}
