/// What `inspect` shows about a checkpoint: format, metadata (long arrays summarised), tensor table
/// with roles, parameter count and bytes by stored type. Built from a `WeightSource` header only:
/// no tensor data is read.
public struct CheckpointSummary: Sendable {
    /// The source's path (`WeightSource.path`: the file, or the index file of a sharded checkpoint).
    public var path: String
    /// The source's `formatDescription`, e.g. `"GGUF v3"`, `"safetensors"`, `"llama2.c"`.
    public var format: String
    /// Every tensor in the source's order, with row-major shape, storage type, bytes in the file and role.
    public var tensors: [TensorInfo]
    /// The source's metadata sorted by key (for a GGUF file too, not in file order).
    public var metadata: [(key: String, value: MetadataValue)]

    /// Parameters (elements) over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }

    /// Bytes and tensor count per stored type, sorted by type name.
    public var bytesByType: [(type: String, tensors: Int, bytes: Int)] {
        var acc: [String: (Int, Int)] = [:]
        for t in tensors {
            let k = t.storage.description
            let cur = acc[k] ?? (0, 0)
            acc[k] = (cur.0 + 1, cur.1 + t.byteCount)
        }
        return acc.keys.sorted().map { ($0, acc[$0]!.0, acc[$0]!.1) }
    }

    /// Copies path, format, tensor table and metadata from an opened source; reads no tensor data, cannot fail.
    public init(_ source: any WeightSource) {
        path = source.path
        format = source.formatDescription
        tensors = source.tensors
        metadata = source.metadata.keys.sorted().map { ($0, source.metadata[$0]!) }
    }

    /// A short rendering of a metadata value: arrays of more than `maxItems` elements are shown as
    /// their element type, length and first items.
    public static func render(_ v: MetadataValue, maxItems: Int = 8) -> String {
        switch v {
        case let .uint8(x): return "\(x)"
        case let .int8(x): return "\(x)"
        case let .uint16(x): return "\(x)"
        case let .int16(x): return "\(x)"
        case let .uint32(x): return "\(x)"
        case let .int32(x): return "\(x)"
        case let .uint64(x): return "\(x)"
        case let .int64(x): return "\(x)"
        case let .float32(x): return "\(x)"
        case let .float64(x): return "\(x)"
        case let .bool(x): return "\(x)"
        case let .string(raw):
            let s = raw.unicodeScalars.map { c -> String in
                switch c {
                case "\n": return "\\n"
                case "\t": return "\\t"
                case "\r": return "\\r"
                default: return c.value < 0x20 ? "\\u{\(String(c.value, radix: 16))}" : String(c)
                }
            }.joined()
            return s.count > 120 ? "\"\(s.prefix(117))…\" (\(s.count) chars)" : "\"\(s)\""
        case let .array(_, values):
            let head = values.prefix(maxItems).map { render($0, maxItems: 3) }.joined(separator: ", ")
            let kind = values.first.map(typeName) ?? "empty"
            return values.count > maxItems ? "[\(kind) × \(values.count): \(head), …]" : "[\(head)]"
        }
    }

    static func typeName(_ v: MetadataValue) -> String { v.typeName }

    /// A human-readable report. `limit` > 0 caps the number of tensor rows shown.
    public func text(limit: Int = 0) -> String {
        var out = "file:       \(path)\nformat:     \(format)\n"
        out += "tensors:    \(tensors.count)\nparameters: \(Self.grouped(parameterCount))\n"
        if !metadata.isEmpty {
            out += "\nmetadata (\(metadata.count) keys):\n"
            let w = min(metadata.map(\.key.count).max() ?? 0, 48)
            for (k, v) in metadata {
                out += "  \(k.rightPad(w))  \(Self.render(v))\n"
            }
        }
        out += "\nbytes by type:\n"
        for row in bytesByType {
            out += "  \(row.type.rightPad(8)) \(String(row.tensors).leftPad(5)) tensors  \(Self.grouped(row.bytes).leftPad(15)) bytes\n"
        }
        let shown = limit > 0 ? Array(tensors.prefix(limit)) : tensors
        let nameW = max(4, shown.map(\.name.count).max() ?? 4)
        let roleW = max(4, shown.map { $0.role?.description.count ?? 1 }.max() ?? 4)
        let header: String = "name".rightPad(nameW) + "  " + "role".rightPad(roleW)
        out += "\n" + header + "  type    shape                 bytes\n"
        for t in shown {
            let shape: String = "[" + t.shape.map(String.init).joined(separator: ", ") + "]"
            let role: String = t.role?.description ?? "-"
            var line: String = t.name.rightPad(nameW) + "  " + role.rightPad(roleW) + "  "
            line += t.storage.description.rightPad(6) + "  " + shape.rightPad(16)
            line += Self.grouped(t.byteCount).leftPad(12)
            out += line + "\n"
        }
        if shown.count < tensors.count { out += "… \(tensors.count - shown.count) more (use --limit 0)\n" }
        return out
    }

    /// A JSON-serialisable dictionary (for `JSONSerialization`) with every figure of `text()`.
    public func jsonObject() -> [String: Any] {
        func json(_ v: MetadataValue) -> Any {
            switch v {
            case let .array(_, values) where values.count > 64:
                return ["type": "array", "element_type": values.first.map(Self.typeName) ?? "empty",
                        "count": values.count, "head": values.prefix(8).map(json)]
            case let .array(_, values): return values.map(json)
            case let .string(s): return s
            case let .bool(b): return b
            case let .float32(f): return f.isFinite ? Double(f) : String(describing: f)
            case let .float64(f): return f.isFinite ? f : String(describing: f)
            case let .uint64(u): return u <= UInt64(Int.max) ? Int(u) : String(u)
            default: return v.intValue ?? 0
            }
        }
        var meta: [String: Any] = [:]
        for (k, v) in metadata { meta[k] = json(v) }
        return [
            "file": path, "format": format, "parameter_count": parameterCount, "tensor_count": tensors.count,
            "metadata": meta,
            "bytes_by_type": bytesByType.map { ["type": $0.type, "tensors": $0.tensors, "bytes": $0.bytes] },
            "tensors": tensors.map { t -> [String: Any] in
                var d: [String: Any] = ["name": t.name, "type": t.storage.description, "shape": t.shape, "bytes": t.byteCount]
                if let r = t.role {
                    d["role"] = r.kind.rawValue
                    if let l = r.layer { d["layer"] = l }
                }
                return d
            },
        ]
    }

    /// `1234567` → `"1,234,567"`.
    public static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + String(out.reversed())
    }
}

extension String {
    fileprivate func rightPad(_ n: Int) -> String {
        count >= n ? self : self + String(repeating: " ", count: n - count)
    }

    fileprivate func leftPad(_ n: Int) -> String {
        count >= n ? self : String(repeating: " ", count: n - count) + self
    }
}
