import Foundation
import TensorCore
import WeightFormats
#if canImport(Glibc)
import Glibc
#endif

/// The `.safetensors.zst` layer (docs/FORMAT.md): one zstd frame (content size and checksum
/// declared) of a safetensors file whose header is unchanged and whose every tensor's bytes are
/// byte-plane shuffled with width = element size (`ByteShuffle`), the manifest saying
/// `byteShuffled: true`. Grouping the exponent bytes of floats lets zstd find their redundancy
/// (ZipNN, Hershcovitch et al. 2024, arXiv:2411.05239).
public enum ZstdContainer {
    /// The zstd frame magic, little-endian 0xFD2FB528.
    public static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Whether `path` starts with the zstd magic.
    public static func isZstd(_ path: String) -> Bool {
        guard let m = try? MappedFile(path: path), m.count >= 4, let s = m.slice(offset: 0, length: 4) else { return false }
        return Array(s) == magic
    }

    /// Compresses the safetensors file `assembled` into `path` (atomically), shuffling tensor bytes
    /// when `shuffle`. Returns the size plain zstd (no shuffling, same level) reaches on the same
    /// file, measured alongside, so the gain of shuffling is known for every file written.
    @discardableResult
    public static func pack(assembled: String, to path: String, level: Int32, shuffle: Bool) throws -> Int {
        let file = try SafeTensorsFile(path: assembled)
        let mapped: MappedFile
        do { mapped = try MappedFile(path: assembled) } catch { throw CompressionError.journal(path: assembled, reason: "\(error)") }
        let out: AtomicFile
        do { out = try AtomicFile(path: path) } catch { throw WeightFormatError.writeFailed(file: path, reason: "\(error)") }
        let shuffled = try ZstdStreamCompressor(level: level, contentSize: mapped.count) { try out.write($0) }
        var plainBytes = 0
        let plain = try ZstdStreamCompressor(level: level, contentSize: mapped.count) { plainBytes += $0.count }
        let headerEnd = 8 + file.headerLength
        // Data is read with pread into one reused buffer (no mapping of the data), so memory stays
        // one tensor whatever the file size.
        let fd = open(assembled, O_RDONLY)
        guard fd >= 0 else { throw CompressionError.journal(path: assembled, reason: "cannot open") }
        defer { close(fd) }
        var buffer: [UInt8] = []
        func feed(_ offset: Int, _ count: Int, width: Int?) throws {
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: repeatElement(0, count: count))
            var done = 0
            while done < count {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                guard n > 0 else { throw CompressionError.journal(path: assembled, reason: "read failed at offset \(offset + done)") }
                done += n
            }
            try buffer.withUnsafeBytes { raw in
                try plain.write(raw)
                if let w = width, shuffle {
                    let s = ByteShuffle.shuffle(raw, width: w)
                    try s.withUnsafeBytes { try shuffled.write($0) }
                } else {
                    try shuffled.write(raw)
                }
            }
        }
        try feed(0, headerEnd, width: nil)
        var position = headerEnd
        let ranges = try file.tensors.map { (try file.byteRange($0.name), try file.dtype($0.name)) }.sorted { $0.0.lowerBound < $1.0.lowerBound }
        for (range, dtype) in ranges {
            if range.lowerBound > position { try feed(position, range.lowerBound - position, width: nil) }
            try feed(range.lowerBound, range.count, width: dtype.byteSize)
            position = max(position, range.upperBound)
        }
        if position < mapped.count { try feed(position, mapped.count - position, width: nil) }
        try shuffled.finish()
        try plain.finish()
        do { try out.commit() } catch { throw WeightFormatError.writeFailed(file: path, reason: "\(error)") }
        return plainBytes
    }

    /// Decompresses `path` into an unlinked temporary file and maps it as safetensors (the
    /// mapping outlives the name, so nothing is left on disk). Memory stays one stream buffer.
    static func unpack(_ path: String) throws -> SafeTensorsFile {
        let m: MappedFile
        do { m = try MappedFile(path: path) } catch { throw WeightFormatError.io(file: path, reason: "\(error)") }
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(dir)/allone-unzstd-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw WeightFormatError.io(file: path, reason: "cannot create a temporary file in \(dir)") }
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(fd); unlink(tmp) }
        do { _ = try ZstdStreamDecompressor.decompress(m.bytes, into: fd) } catch {
            throw CompressionError.invalidCheckpoint(file: path, field: "zstd frame", reason: "\(error)")
        }
        do { return try SafeTensorsFile(path: tmp) } catch {
            throw CompressionError.invalidCheckpoint(file: path, field: "decompressed safetensors", reason: "\(error)")
        }
    }
}
