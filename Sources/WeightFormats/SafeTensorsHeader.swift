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
        var p = StrictJSON(json, base: 8, file: file, field: "header")
        let kind = try p.peekKind()
        guard kind == .object else {
            throw WeightFormatError.invalid(file: file, field: "header", offset: p.offset(),
                                            reason: "expected a JSON object, found \(kind.rawValue)")
        }
        try p.beginObject(depth: 1)
        var seen = Set<String>()
        var parsed: [Entry] = []
        var meta: [(key: String, value: String)] = []
        let dataStart = 8 + n
        var first = true
        while let (key, keyOffset) = try p.nextMember(&first) {
            guard seen.insert(key).inserted else {
                throw WeightFormatError.duplicate(file: file, field: "header key at offset \(keyOffset)", name: key)
            }
            if key == "__metadata__" {
                meta = try SafeTensorsHeader.parseMetadata(&p, file: file)
            } else {
                parsed.append(try SafeTensorsHeader.parseTensor(name: key, &p, dataStart: dataStart, file: file))
            }
        }
        try p.finish()

        // The reference sorts by (begin, end) and then requires the spans to tile the buffer.
        // Ties (empty tensors at one offset) are broken by name so the order is deterministic.
        parsed.sort {
            if $0.span.lowerBound != $1.span.lowerBound { return $0.span.lowerBound < $1.span.lowerBound }
            if $0.span.upperBound != $1.span.upperBound { return $0.span.upperBound < $1.span.upperBound }
            return $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
        }
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

    private static func parseMetadata(_ p: inout StrictJSON, file: String) throws -> [(key: String, value: String)] {
        let at = p.offset()
        let kind = try p.peekKind()
        if kind == .null { try p.null(); return [] }  // serde's Option accepts null
        guard kind == .object else {
            throw WeightFormatError.invalid(file: file, field: "__metadata__", offset: at,
                                            reason: "expected an object of strings, found \(kind.rawValue)")
        }
        try p.beginObject(depth: 2)
        var seen = Set<String>()
        var out: [(key: String, value: String)] = []
        var first = true
        while let (key, keyOffset) = try p.nextMember(&first) {
            guard seen.insert(key).inserted else {
                throw WeightFormatError.duplicate(file: file, field: "__metadata__ key at offset \(keyOffset)", name: key)
            }
            let valueAt = p.offset()
            let k = try p.peekKind()
            guard k == .string else {
                throw WeightFormatError.invalid(file: file, field: "__metadata__['\(key)']", offset: valueAt,
                                                reason: "metadata values must be strings, found \(k.rawValue)")
            }
            out.append((key, try p.string()))
        }
        return out
    }

    /// Reads a list of non-negative integers; `what` names the expectation in errors.
    private static func integers(_ p: inout StrictJSON, field: String, file: String, what: String, limit: Int = .max) throws -> [Int] {
        let at = p.offset()
        let kind = try p.peekKind()
        guard kind == .array else {
            throw WeightFormatError.invalid(file: file, field: field, offset: at, reason: "expected \(what), found \(kind.rawValue)")
        }
        try p.beginArray(depth: 3)
        var out: [Int] = []
        var first = true
        while try p.nextElement(&first) {
            let elementAt = p.offset()
            guard out.count < limit else {
                throw WeightFormatError.invalid(file: file, field: field, offset: elementAt, reason: "expected \(what)")
            }
            guard try p.peekKind() == .number, let v = try p.integer() else {
                throw WeightFormatError.invalid(file: file, field: field, offset: elementAt,
                                                reason: "expected \(what): not a non-negative integer that fits in 64 bits")
            }
            out.append(v)
        }
        return out
    }

    private static func parseTensor(name: String, _ p: inout StrictJSON, dataStart: Int, file: String) throws -> Entry {
        let field = "tensors['\(name)']"
        let objectAt = p.offset()
        let kind = try p.peekKind()
        guard kind == .object else {
            throw WeightFormatError.invalid(file: file, field: field, offset: objectAt,
                                            reason: "expected an object with dtype, shape, data_offsets; found \(kind.rawValue)")
        }
        try p.beginObject(depth: 2)
        var dtype: DType?, shape: [Int]?, offsets: [Int]?
        var shapeAt = objectAt, offsetsAt = objectAt
        var first = true
        while let (key, keyOffset) = try p.nextMember(&first) {
            switch key {
            case "dtype":
                guard dtype == nil else { throw WeightFormatError.duplicate(file: file, field: "\(field) key at offset \(keyOffset)", name: key) }
                let at = p.offset()
                let k = try p.peekKind()
                guard k == .string else {
                    throw WeightFormatError.invalid(file: file, field: field + ".dtype", offset: at, reason: "expected a string, found \(k.rawValue)")
                }
                let text = try p.string()
                guard let d = DType(rawValue: text) else {
                    throw WeightFormatError.invalid(file: file, field: field + ".dtype", offset: at, reason: "unknown dtype '\(text)'")
                }
                dtype = d
            case "shape":
                guard shape == nil else { throw WeightFormatError.duplicate(file: file, field: "\(field) key at offset \(keyOffset)", name: key) }
                shapeAt = p.offset()
                shape = try integers(&p, field: field + ".shape", file: file, what: "an array of non-negative integers")
            case "data_offsets":
                guard offsets == nil else { throw WeightFormatError.duplicate(file: file, field: "\(field) key at offset \(keyOffset)", name: key) }
                offsetsAt = p.offset()
                let o = try integers(&p, field: field + ".data_offsets", file: file, what: "two non-negative integers", limit: 2)
                guard o.count == 2 else {
                    throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsAt,
                                                    reason: "expected two non-negative integers, found \(o.count)")
                }
                offsets = o
            default:
                try p.skipValue(depth: 2) // serde ignores unknown fields; so do we (after checking them)
            }
        }
        guard let dtype else {
            throw WeightFormatError.invalid(file: file, field: field + ".dtype", offset: objectAt, reason: "missing")
        }
        guard let shape else {
            throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: objectAt, reason: "missing")
        }
        guard let offsets else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: objectAt, reason: "missing")
        }
        let begin = offsets[0], end = offsets[1]
        guard end >= begin else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsAt,
                                            reason: "end \(end) is before begin \(begin)")
        }
        guard let count = Tensor.elementCount(shape) else {
            throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: shapeAt,
                                            reason: "element count of \(shape.count) dimensions overflows 64 bits")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else {
            throw WeightFormatError.invalid(file: file, field: field + ".shape", offset: shapeAt,
                                            reason: "byte size of \(dtype.rawValue) with \(count) elements overflows 64 bits")
        }
        guard end - begin == bytes else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsAt,
                                            reason: "span of \(end - begin) bytes, but \(dtype.rawValue) with \(count) elements needs \(bytes)")
        }
        let (absBegin, o1) = dataStart.addingReportingOverflow(begin)
        let (absEnd, o2) = dataStart.addingReportingOverflow(end)
        guard !o1, !o2 else {
            throw WeightFormatError.invalid(file: file, field: field + ".data_offsets", offset: offsetsAt,
                                            reason: "offsets beyond any file")
        }
        return Entry(name: name, dtype: dtype, shape: shape, span: absBegin..<absEnd, headerOffset: objectAt)
    }
}
