/// A small, strict, streaming JSON reader (RFC 8259) for checkpoint headers and index files.
///
/// It is a pull parser: the caller walks the document (`nextMember`, `nextElement`, `string`,
/// `integer`, `skipValue`) and builds only what it needs, so memory stays proportional to what is
/// kept (a shape costs 8 bytes per dimension, as in the reference), never to a generic tree.
/// Unlike Foundation's `JSONSerialization`, it hands every object key to the caller in file order
/// with its byte offset, so callers can reject duplicate keys (which `JSONSerialization` silently
/// drops) and say where a bad value sits. Nesting is limited to `maxDepth` levels (serde_json's
/// default recursion limit, 128), so hostile input cannot exhaust the stack. Strings must be valid
/// UTF-8 without raw control characters; escapes, including surrogate pairs, are decoded and a
/// lone surrogate is refused, as serde_json does. Errors are `WeightFormatError.invalid` (or
/// `.limitExceeded` for depth) naming the file, the field given at creation and the file offset.
struct StrictJSON {
    /// Deepest nesting of arrays and objects accepted.
    static let maxDepth = 128

    enum Kind: String {
        case object, array, string, number, boolean, null
    }

    private let bytes: UnsafeRawBufferPointer
    private let base: Int
    let file: String
    let field: String
    private var pos = 0

    /// A reader over `bytes`; `base` is the file offset of `bytes[0]`.
    init(_ bytes: UnsafeRawBufferPointer, base: Int, file: String, field: String) {
        self.bytes = bytes
        self.base = base
        self.file = file
        self.field = field
    }

    /// File offset of the next non-whitespace byte.
    mutating func offset() -> Int {
        skipWhitespace()
        return base + pos
    }

    func error(_ reason: String, at position: Int? = nil) -> WeightFormatError {
        .invalid(file: file, field: field, offset: base + (position ?? pos), reason: reason)
    }

    /// The kind of the next value (after whitespace), without consuming it.
    mutating func peekKind() throws -> Kind {
        skipWhitespace()
        guard let c = peek() else { throw error("JSON ends where a value was expected") }
        switch c {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        default: throw error("unexpected byte 0x\(String(c, radix: 16)) where a JSON value was expected")
        }
    }

    /// Checks that only whitespace is left.
    mutating func finish() throws {
        skipWhitespace()
        if pos != bytes.count { throw error("unexpected data after the JSON value") }
    }

    // MARK: Objects and arrays

    /// Consumes `{`; `depth` is the nesting level of the object being opened (1 for the root).
    mutating func beginObject(depth: Int) throws {
        skipWhitespace()
        try checkDepth(depth)
        try expect(UInt8(ascii: "{"), "'{'")
    }

    /// The next key of the current object and its file offset, consuming the `:` after it, or
    /// `nil` after consuming the closing `}`. `first` must be `true` for the first call after
    /// `beginObject` and is cleared by the call. The caller must consume the member's value.
    mutating func nextMember(_ first: inout Bool) throws -> (key: String, offset: Int)? {
        skipWhitespace()
        guard let c = peek() else { throw error("JSON ends inside an object") }
        if c == UInt8(ascii: "}") { pos += 1; return nil }
        if !first {
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or '}' in an object") }
            pos += 1
            skipWhitespace()
        }
        first = false
        guard peek() == UInt8(ascii: "\"") else {
            throw error(atEnd ? "JSON ends inside an object" : "expected a string key")
        }
        let keyOffset = base + pos
        let key = try string()
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "':' after an object key")
        return (key, keyOffset)
    }

    /// Consumes `[`; `depth` is the nesting level of the array being opened.
    mutating func beginArray(depth: Int) throws {
        skipWhitespace()
        try checkDepth(depth)
        try expect(UInt8(ascii: "["), "'['")
    }

    /// Whether another element follows in the current array (consuming the `,` before it), or
    /// `false` after consuming the closing `]`. Same `first` protocol as `nextMember`.
    mutating func nextElement(_ first: inout Bool) throws -> Bool {
        skipWhitespace()
        guard let c = peek() else { throw error("JSON ends inside an array") }
        if c == UInt8(ascii: "]") { pos += 1; return false }
        if !first {
            guard c == UInt8(ascii: ",") else { throw error("expected ',' or ']' in an array") }
            pos += 1
            skipWhitespace()
        }
        first = false
        return true
    }

    /// Validates and skips one value of any kind, allocating nothing; `depth` is the nesting level
    /// of the value's container.
    mutating func skipValue(depth: Int) throws {
        switch try peekKind() {
        case .object:
            try beginObject(depth: depth + 1)
            var first = true
            while try nextMember(&first) != nil { try skipValue(depth: depth + 1) }
        case .array:
            try beginArray(depth: depth + 1)
            var first = true
            while try nextElement(&first) { try skipValue(depth: depth + 1) }
        case .string: _ = try scanString(keep: false)
        case .number: try scanNumber()
        case .boolean: _ = try boolean()
        case .null: try literal("null")
        }
    }

    // MARK: Scalars

    /// A string value, escapes decoded.
    mutating func string() throws -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        return try scanString(keep: true)
    }

    /// A number value as an `Int` when it is a plain non-negative integer that fits (no sign,
    /// fraction or exponent, as serde reads `usize`), `nil` for any other valid number.
    /// The number is consumed either way; a non-number is an error.
    mutating func integer() throws -> Int? {
        skipWhitespace()
        let start = pos
        try scanNumber()
        var n = 0
        for i in start..<pos {
            let c = bytes[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(c - 0x30))
            if o1 || o2 { return nil }
            n = s
        }
        return n
    }

    /// A number value as a `Double` (any valid JSON number).
    mutating func double() throws -> Double {
        skipWhitespace()
        let start = pos
        try scanNumber()
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let d = Double(text) else { throw error("number out of range", at: start) }
        return d
    }

    /// `true` or `false`.
    mutating func boolean() throws -> Bool {
        skipWhitespace()
        if peek() == UInt8(ascii: "t") { try literal("true"); return true }
        try literal("false")
        return false
    }

    /// `null`.
    mutating func null() throws { skipWhitespace(); try literal("null") }

    // MARK: Lexing

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

    private func checkDepth(_ depth: Int) throws {
        guard depth <= StrictJSON.maxDepth else {
            throw WeightFormatError.limitExceeded(file: file, field: field + " nesting depth", offset: base + pos,
                                                  value: UInt64(depth), limit: UInt64(StrictJSON.maxDepth))
        }
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws {
        guard peek() == c else {
            throw error(atEnd ? "JSON ends where \(what) was expected" : "expected \(what)")
        }
        pos += 1
    }

    private mutating func literal(_ word: StaticString) throws {
        let start = pos
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for b in w {
            guard peek() == b else { throw error("invalid literal", at: start) }
            pos += 1
        }
    }

    /// Consumes a number, checking the JSON grammar.
    private mutating func scanNumber() throws {
        let start = pos
        func digit(_ c: UInt8?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if peek() == UInt8(ascii: "-") { pos += 1 }
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

    /// Consumes a string starting at its opening quote, validating UTF-8 and escapes; returns it
    /// decoded when `keep`, else `""` (allocating nothing).
    private mutating func scanString(keep: Bool) throws -> String {
        pos += 1 // opening quote
        let start = pos
        var scan = pos
        while scan < bytes.count {
            let c = bytes[scan]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
            scan += 1
        }
        if scan < bytes.count, bytes[scan] == UInt8(ascii: "\"") {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<scan])
            if let bad = UTF8Check.firstInvalid(slice) { throw error("invalid UTF-8 in a string", at: start + bad) }
            pos = scan + 1
            return keep ? String(decoding: slice, as: UTF8.self) : ""
        }
        var out: [UInt8] = []
        var runStart = pos
        func flush(_ end: Int) throws {
            guard end > runStart else { return }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[runStart..<end])
            if let bad = UTF8Check.firstInvalid(slice) { throw error("invalid UTF-8 in a string", at: runStart + bad) }
            if keep { out.append(contentsOf: slice) }
        }
        while true {
            guard let c = peek() else { throw error("JSON ends inside a string") }
            if c == UInt8(ascii: "\"") {
                try flush(pos)
                pos += 1
                return keep ? String(decoding: out, as: UTF8.self) : ""
            }
            if c < 0x20 { throw error("raw control character in a string") }
            if c != UInt8(ascii: "\\") { pos += 1; continue }
            try flush(pos)
            let escapeStart = pos
            pos += 1
            guard let e = peek() else { throw error("JSON ends inside an escape") }
            pos += 1
            var byte: UInt8? = nil
            switch e {
            case UInt8(ascii: "\""): byte = 0x22
            case UInt8(ascii: "\\"): byte = 0x5C
            case UInt8(ascii: "/"): byte = 0x2F
            case UInt8(ascii: "b"): byte = 0x08
            case UInt8(ascii: "f"): byte = 0x0C
            case UInt8(ascii: "n"): byte = 0x0A
            case UInt8(ascii: "r"): byte = 0x0D
            case UInt8(ascii: "t"): byte = 0x09
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
                if keep { UTF8.encode(u) { out.append($0) } }
            default:
                throw error("invalid escape in a string", at: escapeStart)
            }
            if keep, let byte { out.append(byte) }
            runStart = pos
        }
    }
}
