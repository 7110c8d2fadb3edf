import TensorCore

/// The bytes a `SafeTensorsFile` reads: a memory-mapped file, or an owned copy of a buffer (for
/// tests and the fuzzer). Immutable once made; the pointer stays valid while the object lives.
final class SafeTensorsStorage: @unchecked Sendable {
    private let mapped: MappedFile?
    private let owned: UnsafeMutableRawBufferPointer?
    /// All bytes of the file.
    let bytes: UnsafeRawBufferPointer

    init(mapped: MappedFile) {
        self.mapped = mapped
        self.owned = nil
        self.bytes = mapped.bytes
    }

    init(copying source: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        source.withUnsafeBytes { src in
            if let b = src.baseAddress { buffer.baseAddress!.copyMemory(from: b, byteCount: src.count) }
        }
        self.mapped = nil
        self.owned = buffer
        self.bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: source.count)
    }

    /// Releases the resident pages of `span` when mapped (`MappedFile.releasePages`); a no-op for a copy.
    func releasePages(_ span: Range<Int>) { mapped?.releasePages(offset: span.lowerBound, length: span.count) }

    deinit { owned?.deallocate() }
}
