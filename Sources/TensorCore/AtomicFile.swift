#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: bytes go to a temporary file in the destination's folder, which is
/// flushed with `fsync` and renamed over the destination only by `commit()`. If the writer is
/// dropped without `commit()` (an error, a thrown exception), the temporary file is removed and
/// the destination is untouched, so a failed write never leaves a partial file.
public final class AtomicFile {
    /// Final destination.
    public let path: String
    /// The temporary file being written.
    public let temporaryPath: String
    private var fd: Int32
    private var committed = false
    private var buffer: [UInt8] = []
    private let bufferLimit = 1 << 20
    /// Bytes written so far.
    public private(set) var bytesWritten: Int = 0

    /// Creates the temporary file beside `path`.
    public init(path: String) throws {
        self.path = path
        let dir: String
        let base: String
        if let slash = path.lastIndex(of: "/") {
            dir = String(path[..<slash]).isEmpty ? "/" : String(path[..<slash])
            base = String(path[path.index(after: slash)...])
        } else {
            dir = "."
            base = path
        }
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw TensorCoreError.writeFailed(path: path, reason: "cannot create temporary file: " + MappedFile.errnoString())
        }
        self.fd = fd
        self.temporaryPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(fd, 0o644)
    }

    deinit {
        if !committed {
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
    }

    /// Appends raw bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > bufferLimit { try flushBuffer() }
        if bytes.count >= bufferLimit {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
        bytesWritten += bytes.count
    }

    /// Appends a byte array.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends the bytes of `String`'s UTF-8 form.
    public func write(_ string: String) throws {
        try write(Array(string.utf8))
    }

    /// Appends a little-endian integer.
    public func writeLE<T: FixedWidthInteger>(_ value: T) throws {
        var v = value.littleEndian
        try withUnsafeBytes(of: &v) { try write($0) }
    }

    /// Appends `values` as little-endian Float32.
    public func write(floats values: [Float]) throws {
        #if _endian(little)
        try values.withUnsafeBytes { try write($0) }
        #else
        for v in values { try writeLE(v.bitPattern) }
        #endif
    }

    /// Flushes, fsyncs and renames the temporary file over `path`, then fsyncs the folder.
    public func commit() throws {
        try flushBuffer()
        guard fsync(fd) == 0 else { throw TensorCoreError.writeFailed(path: path, reason: "fsync: " + MappedFile.errnoString()) }
        guard close(fd) == 0 else { fd = -1; throw TensorCoreError.writeFailed(path: path, reason: "close: " + MappedFile.errnoString()) }
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw TensorCoreError.writeFailed(path: path, reason: "rename: " + MappedFile.errnoString())
        }
        committed = true
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    private func flushBuffer() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw TensorCoreError.writeFailed(path: path, reason: MappedFile.errnoString())
            }
            offset += n
        }
    }
}
