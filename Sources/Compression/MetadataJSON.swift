import Foundation
import WeightFormats

/// Typed, order-preserving JSON for checkpoint metadata (GGUF key/values, arrays included), so a
/// compressed checkpoint can carry its source's configuration and tokenizer in a safetensors
/// `__metadata__` string and give them back bit for bit.
///
/// Layout: a JSON array of `{"key": k, "type": t, "value": v}` in order. `t` is one of `u8 i8 u16
/// i16 u32 i32 u64 i64 f32 f64 bool string array`; numbers are JSON numbers (a `u64` above
/// 2⁶³ − 1 is a decimal string; `f32` values are written as the double of the float, which
/// converts back exactly; −0, infinities and NaNs of `f32`/`f64` are `"0x…"` strings of their bit
/// pattern, since JSON numbers cannot hold them). An array's value is `{"element_type": id, "values": [...]}` with the GGUF
/// value-type id of its elements and the elements as plain JSON values, or as typed
/// `{"type", "value"}` objects when the elements are themselves arrays.
public enum MetadataJSON {
    /// Encodes the key/values in order (keys sorted inside each object, so output is deterministic).
    public static func encode(_ pairs: [(key: String, value: MetadataValue)]) throws -> String {
        let arr: [Any] = pairs.map { ["key": $0.key, "type": typeName($0.value), "value": plain($0.value)] as [String: Any] }
        let data = try JSONSerialization.data(withJSONObject: arr, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes `encode`'s output; throws `CompressionError.invalidCheckpoint` naming the entry.
    public static func decode(_ text: String, file: String, field: String) throws -> [(key: String, value: MetadataValue)] {
        guard let arr = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any] else {
            throw CompressionError.invalidCheckpoint(file: file, field: field, reason: "not a JSON array")
        }
        var out: [(key: String, value: MetadataValue)] = []
        for (i, e) in arr.enumerated() {
            guard let o = e as? [String: Any], let k = o["key"] as? String, let t = o["type"] as? String, let v = o["value"],
                  let value = typed(t, v) else {
                throw CompressionError.invalidCheckpoint(file: file, field: "\(field)[\(i)]", reason: "malformed typed value")
            }
            out.append((k, value))
        }
        return out
    }

    static let names: [UInt32: String] = [0: "u8", 1: "i8", 2: "u16", 3: "i16", 4: "u32", 5: "i32", 6: "f32", 7: "bool",
                                          8: "string", 9: "array", 10: "u64", 11: "i64", 12: "f64"]

    static func typeName(_ v: MetadataValue) -> String { v.typeName }

    static func plain(_ v: MetadataValue) -> Any {
        switch v {
        case let .uint8(x): return NSNumber(value: x)
        case let .int8(x): return NSNumber(value: x)
        case let .uint16(x): return NSNumber(value: x)
        case let .int16(x): return NSNumber(value: x)
        case let .uint32(x): return NSNumber(value: x)
        case let .int32(x): return NSNumber(value: x)
        case let .uint64(x): return x <= UInt64(Int64.max) ? NSNumber(value: Int64(x)) : String(x) as Any
        case let .int64(x): return NSNumber(value: x)
        case let .float32(x):
            return x.isFinite && !(x == 0 && x.sign == .minus) ? NSNumber(value: Double(x)) : "0x" + String(x.bitPattern, radix: 16) as Any
        case let .float64(x):
            return x.isFinite && !(x == 0 && x.sign == .minus) ? NSNumber(value: x) : "0x" + String(x.bitPattern, radix: 16) as Any
        case let .bool(x): return x
        case let .string(s): return s
        case let .array(t, values):
            let items: [Any] = t == 9 ? values.map { ["type": typeName($0), "value": plain($0)] as [String: Any] } : values.map(plain)
            return ["element_type": NSNumber(value: t), "values": items] as [String: Any]
        }
    }

    static func typed(_ t: String, _ v: Any) -> MetadataValue? {
        if t == "string" { return (v as? String).map(MetadataValue.string) }
        if t == "bool" {
            if let b = v as? Bool { return .bool(b) }
            return nil
        }
        if t == "array" {
            guard let o = v as? [String: Any], let et = (o["element_type"] as? NSNumber)?.uint32Value, let items = o["values"] as? [Any],
                  let en = names[et] else { return nil }
            var values: [MetadataValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                if et == 9 {
                    guard let io = item as? [String: Any], let it = io["type"] as? String, let iv = io["value"], let x = typed(it, iv) else { return nil }
                    values.append(x)
                } else {
                    guard let x = typed(en, item) else { return nil }
                    values.append(x)
                }
            }
            return .array(elementType: et, values: values)
        }
        if t == "u64", let s = v as? String { return UInt64(s).map(MetadataValue.uint64) }
        if t == "f32", let s = v as? String, s.hasPrefix("0x") { return UInt32(s.dropFirst(2), radix: 16).map { .float32(Float(bitPattern: $0)) } }
        if t == "f64", let s = v as? String, s.hasPrefix("0x") { return UInt64(s.dropFirst(2), radix: 16).map { .float64(Double(bitPattern: $0)) } }
        guard let n = v as? NSNumber else { return nil }
        switch t {
        case "u8": return UInt8(exactly: n.int64Value).map(MetadataValue.uint8)
        case "i8": return Int8(exactly: n.int64Value).map(MetadataValue.int8)
        case "u16": return UInt16(exactly: n.int64Value).map(MetadataValue.uint16)
        case "i16": return Int16(exactly: n.int64Value).map(MetadataValue.int16)
        case "u32": return UInt32(exactly: n.int64Value).map(MetadataValue.uint32)
        case "i32": return Int32(exactly: n.int64Value).map(MetadataValue.int32)
        case "u64": return UInt64(exactly: n.int64Value).map(MetadataValue.uint64)
        case "i64": return .int64(n.int64Value)
        case "f32": return .float32(Float(n.doubleValue))
        case "f64": return .float64(n.doubleValue)
        default: return nil
        }
    }
}
