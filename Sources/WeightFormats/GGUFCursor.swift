import TensorCore

/// A bounds-checked little-endian reader over a mapped GGUF file. Every read that would run past
/// the end throws `WeightFormatError.truncated` naming the field and its offset.
struct _GGUFCursor {
    let file: MappedFile
    let name: String
    var offset: Int

    /// Bytes left after `offset`.
    var remaining: Int { file.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws -> T {
        guard let v = file.readLE(T.self, at: offset) else {
            throw WeightFormatError.truncated(file: name, field: field(), offset: offset, needed: MemoryLayout<T>.size)
        }
        offset += MemoryLayout<T>.size
        return v
    }

    /// A GGUF string: u64 length then that many bytes. Lengths above `limit` or the bytes left in
    /// the file are refused before anything is allocated. With `strict`, bytes that are not valid
    /// UTF-8 are refused; otherwise they decode with U+FFFD replacements.
    mutating func readString(_ field: @autoclosure () -> String, limit: UInt64 = GGUFFile.maxStringLength,
                             strict: Bool = false) throws -> String {
        let start = offset
        let n = try read(UInt64.self, field() + " length")
        if n > limit {
            throw WeightFormatError.limitExceeded(file: name, field: field() + " length", offset: start, value: n, limit: limit)
        }
        guard n <= UInt64(remaining) else {
            throw WeightFormatError.limitExceeded(file: name, field: field() + " length", offset: start, value: n,
                                                  limit: UInt64(remaining))
        }
        let len = Int(n)
        guard let bytes = file.slice(offset: offset, length: len) else {
            throw WeightFormatError.truncated(file: name, field: field(), offset: offset, needed: len)
        }
        let s = String(decoding: bytes, as: UTF8.self)
        if strict && !(s.utf8.count == len && s.utf8.elementsEqual(bytes)) {
            throw WeightFormatError.invalid(file: name, field: field(), offset: offset, reason: "not valid UTF-8")
        }
        offset += len
        return s
    }
}
