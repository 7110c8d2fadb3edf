#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorCore

/// A safetensors file written in place: `SafeTensorsWriter`'s data layout (the same tensor order and
/// data offsets) behind a header area of fixed size reserved up front, so that tensors can be
/// written in any order, from several threads at once, straight to their final bytes, and the
/// header — known only at the end when it carries checksums — is written last into the reserved
/// area, padded with spaces (the format allows trailing whitespace in the header JSON).
///
/// The file lives at a fixed `path` (for example inside a resume journal) and is kept when the
/// writer is dropped, so that a later run can reuse the tensors already written
/// (`reuseExisting`); `commit(to:metadata:)` moves it into place atomically. Nothing here is
/// visible at the destination before `commit`.
public final class SafeTensorsPlacedWriter: @unchecked Sendable {
    /// The file being written.
    public let path: String
    /// The tensors in file order (`SafeTensorsWriter`'s order).
    public let order: [SafeTensorsWriter.TensorDescriptor]
    /// Bytes of each tensor in `order`.
    public let byteCounts: [Int]
    /// Bytes reserved for the header JSON (a multiple of 8): data starts at `8 + headerCapacity`.
    public let headerCapacity: Int
    /// Length of the complete file.
    public let fileLength: Int
    /// True when an existing file of exactly `fileLength` bytes was kept (`reuseExisting`).
    public let reused: Bool
    private var fd: Int32
    private let ranges: [String: Range<Int>]

    /// Opens (or creates) `path` for `tensors` with `headerCapacity` bytes (rounded up to a multiple
    /// of 8) reserved for the header JSON. With `reuseExisting`, an existing file of the expected
    /// length is kept as it is; any other file there is truncated and sized anew (sparse).
    /// Throws like `SafeTensorsWriter.init` for invalid descriptors, `.limitExceeded` for a
    /// capacity over the format's header limit, `.writeFailed` when the file cannot be prepared.
    public init(path: String, tensors: [SafeTensorsWriter.TensorDescriptor], headerCapacity: Int, reuseExisting: Bool) throws {
        let layout = try SafeTensorsWriter.layout(tensors, metadata: [:], file: path)
        let capacity = (Swift.max(headerCapacity, 2) + 7) / 8 * 8
        guard capacity <= SafeTensorsHeader.maxLength else {
            throw WeightFormatError.limitExceeded(file: path, field: "header length", offset: 0,
                                                  value: UInt64(capacity), limit: UInt64(SafeTensorsHeader.maxLength))
        }
        self.path = path
        self.order = layout.order
        self.byteCounts = layout.byteCounts
        self.headerCapacity = capacity
        self.fileLength = 8 + capacity + layout.dataLength
        var r: [String: Range<Int>] = [:]
        var offset = 8 + capacity
        for (d, n) in zip(layout.order, layout.byteCounts) { r[d.name] = offset..<(offset + n); offset += n }
        self.ranges = r
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw WeightFormatError.writeFailed(file: path, reason: "cannot open: " + _errno()) }
        self.fd = fd
        var st = stat()
        let existing = fstat(fd, &st) == 0 ? Int(st.st_size) : -1
        if reuseExisting && existing == fileLength {
            reused = true
        } else {
            reused = false
            guard ftruncate(fd, 0) == 0, ftruncate(fd, off_t(fileLength)) == 0 else {
                let reason = _errno()
                Glibc.close(fd); self.fd = -1
                throw WeightFormatError.writeFailed(file: path, reason: "cannot size to \(fileLength) bytes: " + reason)
            }
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Bytes of the header JSON (without padding) that `SafeTensorsWriter` writes for `tensors` and
    /// `metadata`: what a `headerCapacity` must hold.
    public static func headerJSONLength(tensors: [SafeTensorsWriter.TensorDescriptor], metadata: [String: String]) throws -> Int {
        try unpaddedJSON(tensors, metadata: metadata, file: "").count
    }

    /// `SafeTensorsWriter`'s header JSON for `tensors` and `metadata`, without its length prefix and padding.
    private static func unpaddedJSON(_ tensors: [SafeTensorsWriter.TensorDescriptor], metadata: [String: String], file: String) throws -> [UInt8] {
        var json = Array(try SafeTensorsWriter.layout(tensors, metadata: metadata, file: file).header.dropFirst(8))
        while json.last == UInt8(ascii: " ") { json.removeLast() }
        return json
    }

    /// The absolute byte range of tensor `name` in the file, or nil for a name not in the layout.
    public func range(of name: String) -> Range<Int>? {
        ranges[name]
    }

    /// Writes `bytes` into tensor `name` starting `offset` bytes into it; safe to call from several
    /// threads for disjoint ranges. Throws `.writeFailed` for an unknown name, a range outside the
    /// tensor, or a failed write.
    public func write(_ name: String, at offset: Int = 0, bytes: UnsafeRawBufferPointer) throws {
        guard let r = range(of: name) else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' is not in the layout")
        }
        guard offset >= 0, offset + bytes.count <= r.count else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' holds \(r.count) bytes; \(bytes.count) at offset \(offset) do not fit")
        }
        try pwriteAll(bytes, at: r.lowerBound + offset)
        // Start writing these pages back now (asynchronously; Linux's fadvise DONTNEED initiates
        // writeback of dirty pages and keeps them cached), so that the final fsync has little left.
        _ = posix_fadvise(fd, off_t(r.lowerBound + offset), off_t(bytes.count), POSIX_FADV_DONTNEED)
    }

    /// The bytes at the absolute `range` of the file (to re-check what an earlier run wrote).
    public func read(_ range: Range<Int>) throws -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= fileLength else {
            throw WeightFormatError.writeFailed(file: path, reason: "range \(range) outside the file's \(fileLength) bytes")
        }
        var out = [UInt8](repeating: 0, count: range.count)
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(range.lowerBound + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw WeightFormatError.writeFailed(file: path, reason: "read at \(range.lowerBound + done) failed") }
            done += n
        }
        return out
    }

    /// The header for `metadata` (the JSON `SafeTensorsWriter` would write for the same tensors),
    /// padded with spaces to `headerCapacity`, or nil when it needs more room.
    public func header(metadata: [String: String]) throws -> [UInt8]? {
        var json = try Self.unpaddedJSON(order, metadata: metadata, file: path)
        guard json.count <= headerCapacity else { return nil }
        json += [UInt8](repeating: UInt8(ascii: " "), count: headerCapacity - json.count)
        var header: [UInt8] = []
        withUnsafeBytes(of: UInt64(headerCapacity).littleEndian) { header += $0 }
        return header + json
    }

    /// Moves the finished file to `destination` with the header for `metadata`: written into the
    /// reserved area, then the file fsynced, closed and renamed (and that folder fsynced) — returns
    /// true. When the header outgrew the reserved area, a new file is written at `destination`
    /// instead (atomically, `SafeTensorsWriter`) with the exact header and this file's tensor bytes
    /// copied behind it — returns false; this file is then left as it is.
    @discardableResult
    public func commit(to destination: String, metadata: [String: String]) throws -> Bool {
        guard let h = try header(metadata: metadata) else {
            try copy(to: destination, metadata: metadata)
            return false
        }
        try h.withUnsafeBytes { try pwriteAll($0, at: 0) }
        guard fsync(fd) == 0 else { throw WeightFormatError.writeFailed(file: path, reason: "fsync: " + _errno()) }
        guard Glibc.close(fd) == 0 else { fd = -1; throw WeightFormatError.writeFailed(file: path, reason: "close: " + _errno()) }
        fd = -1
        guard rename(path, destination) == 0 else {
            throw WeightFormatError.writeFailed(file: destination, reason: "rename from \(path): " + _errno())
        }
        let dir = destination.lastIndex(of: "/").map { String(destination[..<$0]) } ?? "."
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); Glibc.close(dfd) }
        return true
    }

    /// `commit`'s fallback: the exact header, then the tensor bytes copied 8 MiB at a time.
    private func copy(to destination: String, metadata: [String: String]) throws {
        let writer = try SafeTensorsWriter(path: destination, tensors: order, metadata: metadata)
        for (d, n) in zip(order, byteCounts) {
            let start = ranges[d.name]?.lowerBound ?? 0
            try writer.write(d.name, pieces: { sink in
                var done = 0
                while done < n {
                    let chunk = try read((start + done)..<(start + done + Swift.min(8 << 20, n - done)))
                    try chunk.withUnsafeBytes { try sink($0) }
                    done += chunk.count
                }
            })
        }
        try writer.finish()
    }

    private func pwriteAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw WeightFormatError.writeFailed(file: path, reason: "write at \(offset + done): " + _errno())
            }
            done += n
        }
    }
}

private func _errno() -> String { String(cString: strerror(errno)) }
