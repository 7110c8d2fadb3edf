import TensorCore

/// The validated header of a safetensors file.
///
/// Layout: an unsigned 64-bit little-endian header length `N`, then `N` bytes of UTF-8 JSON, then
/// the data buffer. The JSON is an object whose members are tensors
/// (`{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`, offsets relative to the
/// data buffer) and an optional `"__metadata__"` object of string values.
///
/// The rules are those of the reference implementation (huggingface/safetensors,
/// `safetensors/src/tensor.rs`, `read_metadata` and `Metadata::validate`), checked in its order:
/// at least 8 bytes; `N ≤ 100,000,000`; `8 + N` within the file; the header is UTF-8 and one JSON
/// value; each tensor has a known dtype, a shape of non-negative integers and exactly two
/// non-negative integer offsets. Sorted by offsets, the tensors must tile the data buffer from 0
/// with no hole or overlap (`begin` equals the previous `end`, `end ≥ begin`), each span must
/// equal `product(shape) × size(dtype)` computed with overflow checks, and the last `end` must be
/// the end of the file. Stricter than the reference: duplicate keys (which serde_json lets the
/// last one win) are refused.
struct SafeTensorsHeader {
    /// Largest header the reference implementation accepts.
    static let maxLength = 100_000_000

    struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        /// Absolute byte range in the file.
        let span: Range<Int>
        /// File offset of the tensor's JSON object.
        let headerOffset: Int
    }

    /// `N`, the JSON length in bytes.
    let length: Int
    /// Tensors in data-offset order.
    let entries: [Entry]
    /// `__metadata__`, in file order.
    let metadata: [(key: String, value: String)]

    init(bytes: UnsafeRawBufferPointer, file: String) throws {
        guard bytes.count >= 8 else {
            throw WeightFormatError.truncated(file: file, field: "header length", offset: 0, needed: 8)
        }
        let n64 = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard n64 <= UInt64(SafeTensorsHeader.maxLength) else {
            throw WeightFormatError.limitExceeded(file: file, field: "header length", offset: 0,
                                                  value: n64, limit: UInt64(SafeTensorsHeader.maxLength))
        }
        let n = Int(n64)
        guard 8 + n <= bytes.count else {
            throw WeightFormatError.truncated(file: file, field: "header", offset: 8, needed: n)
        }
        length = n
        let json = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + n)])
        if let bad = UTF8Check.firstInvalid(json) {
            throw WeightFormatError.invalid(file: file, field: "header", offset: 8 + bad, reason: "not valid UTF-8")
        }
        let root = try StrictJSON.parse(json, base: 8, file: file, field: "header")
        guard case let .object(members) = root.value else {
            throw WeightFormatError.invalid(file: file, field: "header", offset: root.offset,
                                            reason: "expected a JSON object, found \(root.value.kindName)")
        }

        var seen = Set<String>()
        var parsed: [Entry] = []
        parsed.reserveCapacity(members.count)
        var meta: [(key: String, value: String)] = []
        var sawMetadata = false
        let dataStart = 8 + n
        for m in members {
            guard seen.insert(m.key).inserted else {
                throw WeightFormatError.duplicate(file: file, field: "header key at offset \(m.keyOffset)", name: m.key)
            }
            if m.key == "__metadata__" {
                sawMetadata = true
                meta = try SafeTensorsHeader.parseMetadata(m.node, file: file)
                continue
            }
            parsed.append(try SafeTensorsHeader.parseTensor(name: m.key, node: m.node, dataStart: dataStart, file: file))
        }
        _ = sawMetadata

        // The reference sorts by (begin, end) and then requires the spans to tile the buffer.
        parsed.sort { ($0.span.lowerBound, $0.span.upperBound) < ($1.span.lowerBound, $1.span.upperBound) }
        var expected = dataStart
        for e in parsed {
            guard e.span.lowerBound == expected else {
                let what = e.span.lowerBound < expected ? "overlaps the previous tensor" : "leaves a hole after the previous tensor"
                throw WeightFormatError.invalid(
                    file: file, field: "tensors['\(e.name)'].data_offsets", offset: e.headerOffset,
                    reason: "begins at data offset \(e.span.lowerBound - dataStart), expected \(expected - dataStart): \(what)")
            }
            expected = e.span.upperBound
        }
        let dataLength = bytes.count - dataStart
        let covered = expected - dataStart
        if covered != dataLength {
            if covered > dataLength {
                let last = parsed.last?.name ?? ""
                throw WeightFormatError.truncated(file: file, field: "tensors['\(last)'] data", offset: dataStart,
                                                  needed: covered)
            }
            throw WeightFormatError.invalid(
                file: file, field: "data", offset: expected,
                reason: "\(dataLength - covered) bytes after the last tensor: offsets must cover the whole data buffer")
        }
        entries = parsed
        metadata = meta
    }

    private static func parseMetadata(_ node: StrictJSON.Node, file: String) throws -> [(key: String, value: String)] {
        if case .null = node.value { return [] }  // serde's Option accepts null
        guard case let .object(members) = node.value else {
            throw WeightFormatError.invalid(file: file, field: "__metadata__", offset: node.offset,
                                            reason: "expected an object of strings, found \(node.value.kindName)")
        }
        var seen = Set<String>()
        var out: [(key: String, value: String)] = []
        for m in members {
            guard seen.insert(m.key).inserted else {
                throw WeightFormatError.duplicate(file: file, field: "__metadata__ key at offset \(m.keyOffset)", name: m.key)
            }
            guard case let .string(s) = m.node.value else {
                throw WeightFormatError.invalid(file: file, field: "__metadata__['\(m.key)']", offset: m.node.offset,
                                                reason: "metadata values must be strings, found \(m.node.value.kindName)")
            }
            out.append((m.key, s))
        }
        return out
    }

    private static func parseTensor(name: String, node: StrictJSON.Node, dataStart: Int, file: String) throws -> Entry {
        let field = "tensors['\(name)']"
        guard case let .object(members) = node.value else {
            throw WeightFormatError.invalid(file: file, field: field, offset: node.offset,
                                            reason: "expected an object with dtype, shape, data_offsets; found \(node.value.kindName)")
        }
        var dtypeNode: StrictJSON.Node?, shapeNode: StrictJSON.Node?, offsetsNode: StrictJSON.Node?
        for m in members {
            switch m.key {
            case "dtype", "shape", "data_offsets":
                let already: Bool
                switch m.key {
                case "dtype": already = dtypeNode != nil; dtypeNode = m.node
                case "shape": already = shapeNode != nil; shapeNode = m.node
                default: already = offsetsNode != nil; offsetsNode = m.node
                }
                if already {
                    throw WeightFormatError.duplicate(file: file, field: "\(field) key at offset \(m.keyOffset)", name: m.key)
                }
            default:
                continue // serde ignores unknown fields; so do we
            }
        }
        guard let dtypeNode else {
            throw WeightFormatError.invalid(file: file, field: field + ".dtype", offset: node.offset, reason: "missing")
        }
        guard let shapeNode else {
            throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: node.offset, reason: "missing")
        }
        guard let offsetsNode else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: node.offset, reason: "missing")
        }
        guard case let .string(dtypeName) = dtypeNode.value else {
            throw WeightFormatError.invalid(file: file, field: field + ".dtype", offset: dtypeNode.offset,
                                            reason: "expected a string, found \(dtypeNode.value.kindName)")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw WeightFormatError.invalid(file: file, field: field + ".dtype", offset: dtypeNode.offset,
                                            reason: "unknown dtype '\(dtypeName)'")
        }
        guard case let .array(dims) = shapeNode.value else {
            throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: shapeNode.offset,
                                            reason: "expected an array of non-negative integers, found \(shapeNode.value.kindName)")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for d in dims {
            guard let v = d.value.integerValue else {
                throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: d.offset,
                                                reason: "dimension is not a non-negative integer that fits in 64 bits")
            }
            shape.append(v)
        }
        guard case let .array(offs) = offsetsNode.value, offs.count == 2 else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsNode.offset,
                                            reason: "expected an array of two non-negative integers")
        }
        guard let begin = offs[0].value.integerValue, let end = offs[1].value.integerValue else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsNode.offset,
                                            reason: "offsets must be non-negative integers that fit in 64 bits")
        }
        guard end >= begin else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsNode.offset,
                                            reason: "end \(end) is before begin \(begin)")
        }
        guard let count = Tensor.elementCount(shape) else {
            throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: shapeNode.offset,
                                            reason: "element count \(shape) overflows 64 bits")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else {
            throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: shapeNode.offset,
                                            reason: "byte size of \(dtype.rawValue) \(shape) overflows 64 bits")
        }
        guard end - begin == bytes else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsNode.offset,
                                            reason: "span of \(end - begin) bytes, but \(dtype.rawValue) \(shape) needs \(bytes)")
        }
        let (absBegin, o1) = dataStart.addingReportingOverflow(begin)
        let (absEnd, o2) = dataStart.addingReportingOverflow(end)
        guard !o1, !o2 else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsNode.offset,
                                            reason: "offsets beyond any file")
        }
        return Entry(name: name, dtype: dtype, shape: shape, span: absBegin..<absEnd, headerOffset: node.offset)
    }
}
