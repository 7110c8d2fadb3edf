/// A small, strict JSON parser (RFC 8259) for checkpoint headers and index files.
///
/// Unlike Foundation's `JSONSerialization`, it keeps every object member in file order with its
/// byte offset, so callers can reject duplicate keys (which `JSONSerialization` silently drops)
/// and report where a bad value sits. Nesting is limited to `maxDepth` levels (serde_json's
/// default recursion limit, 128), so hostile input cannot exhaust the stack. Strings must be valid
/// UTF-8 without raw control characters; escapes, including surrogate pairs, are decoded and a
/// lone surrogate is refused, as serde_json does. Numbers keep their text; `integerValue` accepts
/// only plain non-negative integers.
struct StrictJSON {
    /// Deepest nesting of arrays and objects accepted.
    static let maxDepth = 128

    /// A parsed value and the byte offset (in the file) where it starts.
    struct Node {
        let value: Value
        let offset: Int
    }

    /// One member of an object: its key, where the key starts, and its value.
    struct Member {
        let key: String
        let keyOffset: Int
        let node: Node
    }

    indirect enum Value {
        case object([Member])
        case array([Node])
        case string(String)
        /// The number's text, checked against the JSON grammar.
        case number(String)
        case bool(Bool)
        case null

        /// A human-readable name of the kind of value, for error messages.
        var kindName: String {
            switch self {
            case .object: return "object"
            case .array: return "array"
            case .string: return "string"
            case .number: return "number"
            case .bool: return "boolean"
            case .null: return "null"
            }
        }

        /// The value as a non-negative integer that fits in `Int`: `nil` for fractions,
        /// exponents, negatives, anything too large, and non-numbers.
        var integerValue: Int? {
            guard case let .number(text) = self, !text.isEmpty else { return nil }
            var n = 0
            for c in text.utf8 {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                n = s
            }
            return n
        }
    }

    private let bytes: UnsafeRawBufferPointer
    private let base: Int
    private let file: String
    private let field: String
    private var pos = 0

    /// Parses `bytes` as exactly one JSON value surrounded by optional whitespace.
    /// `base` is the file offset of `bytes[0]`; errors name `file`, `field` and the file offset.
    static func parse(_ bytes: UnsafeRawBufferPointer, base: Int, file: String, field: String) throws -> Node {
        var p = StrictJSON(bytes: bytes, base: base, file: file, field: field)
        p.skipWhitespace()
        let node = try p.parseValue(depth: 0)
        p.skipWhitespace()
        if p.pos != bytes.count {
            throw p.error("unexpected data after the JSON value")
        }
        return node
    }

    private init(bytes: UnsafeRawBufferPointer, base: Int, file: String, field: String) {
        self.bytes = bytes
        self.base = base
        self.file = file
        self.field = field
    }

    private func error(_ reason: String, at position: Int? = nil) -> WeightFormatError {
        .invalid(file: file, field: field, offset: base + (position ?? pos), reason: reason)
    }

    private var atEnd: Bool { pos >= bytes.count }

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws {
        guard peek() == c else {
            throw error(atEnd ? "JSON ends where \(what) was expected" : "expected \(what)")
        }
        pos += 1
    }

    private mutating func parseValue(depth: Int) throws -> Node {
        let start = pos
        guard let c = peek() else { throw error("JSON ends where a value was expected") }
        switch c {
        case UInt8(ascii: "{"):
            guard depth < StrictJSON.maxDepth else {
                throw WeightFormatError.limitExceeded(file: file, field: field + " nesting depth", offset: base + pos,
                                                      value: UInt64(depth + 1), limit: UInt64(StrictJSON.maxDepth))
            }
            return Node(value: try parseObject(depth: depth + 1), offset: base + start)
        case UInt8(ascii: "["):
            guard depth < StrictJSON.maxDepth else {
                throw WeightFormatError.limitExceeded(file: file, field: field + " nesting depth", offset: base + pos,
                                                      value: UInt64(depth + 1), limit: UInt64(StrictJSON.maxDepth))
            }
            return Node(value: try parseArray(depth: depth + 1), offset: base + start)
        case UInt8(ascii: "\""):
            return Node(value: .string(try parseString()), offset: base + start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return Node(value: .number(try parseNumber()), offset: base + start)
        case UInt8(ascii: "t"):
            try parseLiteral("true"); return Node(value: .bool(true), offset: base + start)
        case UInt8(ascii: "f"):
            try parseLiteral("false"); return Node(value: .bool(false), offset: base + start)
        case UInt8(ascii: "n"):
            try parseLiteral("null"); return Node(value: .null, offset: base + start)
        default:
            throw error("unexpected byte 0x\(String(c, radix: 16)) where a JSON value was expected")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws {
        let start = pos
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for b in w {
            guard peek() == b else { throw error("invalid literal", at: start) }
            pos += 1
        }
    }

    private mutating func parseObject(depth: Int) throws -> Value {
        pos += 1 // {
        var members: [Member] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { pos += 1; return .object(members) }
        while true {
            skipWhitespace()
            let keyStart = pos
            guard peek() == UInt8(ascii: "\"") else {
                throw error(atEnd ? "JSON ends inside an object" : "expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(Member(key: key, keyOffset: base + keyStart, node: value))
            skipWhitespace()
            guard let c = peek() else { throw error("JSON ends inside an object") }
            pos += 1
            if c == UInt8(ascii: "}") { return .object(members) }
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or '}' in an object", at: pos - 1) }
        }
    }

    private mutating func parseArray(depth: Int) throws -> Value {
        pos += 1 // [
        var items: [Node] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard let c = peek() else { throw error("JSON ends inside an array") }
            pos += 1
            if c == UInt8(ascii: "]") { return .array(items) }
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or ']' in an array", at: pos - 1) }
        }
    }

    private mutating func parseNumber() throws -> String {
        let start = pos
        if peek() == UInt8(ascii: "-") { pos += 1 }
        func digit(_ c: UInt8?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        guard digit(peek()) else { throw error("invalid number", at: start) }
        if peek() == UInt8(ascii: "0") {
            pos += 1
            if digit(peek()) { throw error("leading zero in a number", at: start) }
        } else {
            while digit(peek()) { pos += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            pos += 1
            guard digit(peek()) else { throw error("invalid number", at: start) }
            while digit(peek()) { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            pos += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
            guard digit(peek()) else { throw error("invalid number", at: start) }
            while digit(peek()) { pos += 1 }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("JSON ends inside a \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    /// Parses a string starting at the opening quote; validates UTF-8 and decodes escapes.
    private mutating func parseString() throws -> String {
        pos += 1 // "
        let start = pos
        // Fast path: no escapes.
        var plainEnd: Int? = nil
        var scan = pos
        while scan < bytes.count {
            let c = bytes[scan]
            if c == UInt8(ascii: "\"") { plainEnd = scan; break }
            if c == UInt8(ascii: "\\") || c < 0x20 { break }
            scan += 1
        }
        if let end = plainEnd {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if let bad = UTF8Check.firstInvalid(slice) {
                throw error("invalid UTF-8 in a string", at: start + bad)
            }
            pos = end + 1
            return String(decoding: slice, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(scan - start + 16)
        var runStart = pos
        func flushRun(_ end: Int) throws {
            if end > runStart {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[runStart..<end])
                if let bad = UTF8Check.firstInvalid(slice) {
                    throw error("invalid UTF-8 in a string", at: runStart + bad)
                }
                out.append(contentsOf: slice)
            }
        }
        while true {
            guard let c = peek() else { throw error("JSON ends inside a string") }
            if c == UInt8(ascii: "\"") {
                try flushRun(pos)
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw error("raw control character in a string") }
            if c != UInt8(ascii: "\\") { pos += 1; continue }
            try flushRun(pos)
            let escapeStart = pos
            pos += 1
            guard let e = peek() else { throw error("JSON ends inside an escape") }
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard peek() == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "u") else {
                        throw error("lone surrogate in a \\u escape", at: escapeStart)
                    }
                    pos += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw error("lone surrogate in a \\u escape", at: escapeStart) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw error("lone surrogate in a \\u escape", at: escapeStart)
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape", at: escapeStart) }
                UTF8.encode(u) { out.append($0) }
            default:
                throw error("invalid escape in a string", at: escapeStart)
            }
            runStart = pos
        }
    }
}
