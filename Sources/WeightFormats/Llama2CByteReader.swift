/// Bounds-checked little-endian reads over a byte buffer for the llama2.c parsers, so a mapped
/// file and the fuzzer's in-memory input go through the same code.
public struct Llama2CByteReader: @unchecked Sendable {
    /// The bytes being parsed.
    public let bytes: UnsafeRawBufferPointer

    /// Wraps `bytes` without copying; the caller keeps the memory alive for as long as the reader is used.
    public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Number of bytes.
    public var count: Int { bytes.count }

    /// Whether `[offset, offset + length)` lies inside the bytes (overflow-safe).
    public func contains(offset: Int, length: Int) -> Bool {
        guard offset >= 0, length >= 0 else { return false }
        let (end, o) = offset.addingReportingOverflow(length)
        return !o && end <= bytes.count
    }

    /// A little-endian int32 at `offset`, or `nil` past the end.
    public func int32(at offset: Int) -> Int32? {
        guard contains(offset: offset, length: 4) else { return nil }
        return Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    /// A little-endian float32 at `offset`, or `nil` past the end.
    public func float32(at offset: Int) -> Float? {
        guard contains(offset: offset, length: 4) else { return nil }
        return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }
}
