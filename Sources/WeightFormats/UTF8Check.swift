/// UTF-8 validation that reports where the first invalid byte is.
///
/// Accepts exactly what Rust's `core::str::from_utf8` accepts (the Unicode definition of
/// well-formed UTF-8): no overlong forms, no surrogates (U+D800–DFFF), nothing above U+10FFFF.
enum UTF8Check {
    /// Index of the first byte of the first ill-formed sequence, or `nil` when all is valid.
    static func firstInvalid(_ b: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let c0 = b[i]
            if c0 < 0x80 { i += 1; continue }
            func cont(_ k: Int) -> Bool { i + k < n && (b[i + k] & 0xC0) == 0x80 }
            switch c0 {
            case 0xC2...0xDF:
                guard cont(1) else { return i }
                i += 2
            case 0xE0...0xEF:
                guard i + 1 < n else { return i }
                let c1 = b[i + 1]
                let ok1: Bool
                switch c0 {
                case 0xE0: ok1 = c1 >= 0xA0 && c1 <= 0xBF
                case 0xED: ok1 = c1 >= 0x80 && c1 <= 0x9F
                default: ok1 = (c1 & 0xC0) == 0x80
                }
                guard ok1, cont(2) else { return i }
                i += 3
            case 0xF0...0xF4:
                guard i + 1 < n else { return i }
                let c1 = b[i + 1]
                let ok1: Bool
                switch c0 {
                case 0xF0: ok1 = c1 >= 0x90 && c1 <= 0xBF
                case 0xF4: ok1 = c1 >= 0x80 && c1 <= 0x8F
                default: ok1 = (c1 & 0xC0) == 0x80
                }
                guard ok1, cont(2), cont(3) else { return i }
                i += 4
            default:
                return i
            }
        }
        return nil
    }
}
