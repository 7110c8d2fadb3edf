#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file.
///
/// Opening costs O(1) time and memory whatever the file size: pages are read on first touch.
/// Reads are bounds-checked and return `nil` outside the file, so parsers can turn every
/// out-of-range access into a precise error instead of a crash.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with.
    public let path: String
    /// Size of the file in bytes.
    public let count: Int
    private let base: UnsafeRawPointer?

    /// Maps `path` read-only. Throws `TensorCoreError.cannotOpen` for a missing, unreadable or
    /// non-regular file.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TensorCoreError.cannotOpen(path: path, reason: MappedFile.errnoString()) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TensorCoreError.cannotOpen(path: path, reason: MappedFile.errnoString()) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw TensorCoreError.cannotOpen(path: path, reason: "not a regular file")
        }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw TensorCoreError.cannotOpen(path: path, reason: "mmap: " + MappedFile.errnoString())
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The whole mapping. Valid while this object is alive.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    /// Whether `[offset, offset + length)` lies inside the file (overflow-safe).
    public func contains(offset: Int, length: Int) -> Bool {
        guard offset >= 0, length >= 0 else { return false }
        let (end, o) = offset.addingReportingOverflow(length)
        return !o && end <= count
    }

    /// The bytes `[offset, offset + length)`, or `nil` when they are not all inside the file.
    public func slice(offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard contains(offset: offset, length: length) else { return nil }
        if length == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base! + offset, count: length)
    }

    /// Drops the resident pages covering `[offset, offset + length)` from this process
    /// (`madvise(MADV_DONTNEED)` on the page-aligned range that contains it; pages shared with a
    /// neighbouring range go too). The mapping is read-only and private, so the contents are
    /// unchanged: a later read faults the pages back in from the page cache or the disk. Streaming
    /// readers call it after converting a tensor so the source does not stay resident. Out-of-range
    /// requests are clamped; failures are ignored (it is only a hint).
    public func releasePages(offset: Int, length: Int) {
        guard let base, length > 0, offset >= 0, offset < count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let start = offset / page * page
        let end = Swift.min(count, offset + Swift.min(length, count - offset))
        let alignedEnd = (end + page - 1) / page * page
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), alignedEnd - start, MADV_DONTNEED)
    }

    /// A little-endian fixed-width integer at `offset`, or `nil` when it does not fit in the file.
    @inlinable
    public func readLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard let s = slice(offset: offset, length: MemoryLayout<T>.size) else { return nil }
        return T(littleEndian: s.loadUnaligned(as: T.self))
    }

    static func errnoString() -> String {
        String(cString: strerror(errno))
    }
}
