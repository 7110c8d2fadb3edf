import CZstd
#if canImport(Glibc)
import Glibc
#endif

/// Streaming zstd over libzstd: one frame, written in pieces, with its content size and a content
/// checksum declared (so a corrupted file is detected on decompression), single-threaded and
/// therefore deterministic for a given level.
final class ZstdStreamCompressor {
    private let cctx: OpaquePointer
    private var out = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
    private let sink: (UnsafeRawBufferPointer) throws -> Void

    init(level: Int32, contentSize: Int, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let c = ZSTD_createCCtx() else { throw Zstd.Failure.compressionFailed("cannot create context") }
        cctx = c
        self.sink = sink
        for (p, v) in [(ZSTD_c_compressionLevel, level), (ZSTD_c_checksumFlag, 1), (ZSTD_c_contentSizeFlag, 1)] {
            let r = ZSTD_CCtx_setParameter(cctx, p, v)
            if ZSTD_isError(r) != 0 { throw Zstd.Failure.compressionFailed(String(cString: ZSTD_getErrorName(r))) }
        }
        let r = ZSTD_CCtx_setPledgedSrcSize(cctx, UInt64(contentSize))
        if ZSTD_isError(r) != 0 { throw Zstd.Failure.compressionFailed(String(cString: ZSTD_getErrorName(r))) }
    }

    deinit { ZSTD_freeCCtx(cctx) }

    /// Compresses `bytes` (more calls follow).
    func write(_ bytes: UnsafeRawBufferPointer) throws { try run(bytes, end: false) }

    /// Ends the frame.
    func finish() throws { try run(UnsafeRawBufferPointer(start: nil, count: 0), end: true) }

    private func run(_ bytes: UnsafeRawBufferPointer, end: Bool) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        let capacity = out.count
        while true {
            var produced = 0
            let remaining: Int = try out.withUnsafeMutableBytes { o in
                var output = ZSTD_outBuffer(dst: o.baseAddress, size: capacity, pos: 0)
                let r = ZSTD_compressStream2(cctx, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue)
                if ZSTD_isError(r) != 0 { throw Zstd.Failure.compressionFailed(String(cString: ZSTD_getErrorName(r))) }
                produced = output.pos
                return r
            }
            if produced > 0 { try out.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            if end ? remaining == 0 : input.pos == input.size { break }
        }
    }
}

/// Streaming decompression of one zstd frame into a file descriptor.
enum ZstdStreamDecompressor {
    /// Decompresses `frame` into `fd`; returns the bytes written. Throws `Zstd.Failure.corruptFrame`
    /// on a bad, truncated or checksum-failing frame, or trailing data after it.
    static func decompress(_ frame: UnsafeRawBufferPointer, into fd: Int32) throws -> Int {
        guard let d = ZSTD_createDCtx() else { throw Zstd.Failure.corruptFrame("cannot create context") }
        defer { ZSTD_freeDCtx(d) }
        var input = ZSTD_inBuffer(src: frame.baseAddress, size: frame.count, pos: 0)
        var out = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        let capacity = out.count
        var total = 0
        var last = 1
        while input.pos < input.size || last != 0 {
            var produced = 0
            let before = input.pos
            last = try out.withUnsafeMutableBytes { o in
                var output = ZSTD_outBuffer(dst: o.baseAddress, size: capacity, pos: 0)
                let r = ZSTD_decompressStream(d, &output, &input)
                if ZSTD_isError(r) != 0 { throw Zstd.Failure.corruptFrame(String(cString: ZSTD_getErrorName(r))) }
                produced = output.pos
                return r
            }
            if produced > 0 {
                let ok = out.withUnsafeBytes { b -> Bool in
                    var off = 0
                    while off < produced {
                        let n = Glibc.write(fd, b.baseAddress! + off, produced - off)
                        if n <= 0 { return false }
                        off += n
                    }
                    return true
                }
                guard ok else { throw Zstd.Failure.corruptFrame("cannot write decompressed bytes") }
                total += produced
            }
            if last == 0 && input.pos < input.size {
                throw Zstd.Failure.corruptFrame("\(input.size - input.pos) bytes after the end of the frame")
            }
            if produced == 0 && input.pos == before && last != 0 {
                throw Zstd.Failure.corruptFrame("truncated frame")
            }
        }
        return total
    }
}
