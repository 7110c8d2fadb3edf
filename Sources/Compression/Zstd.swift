import CZstd

/// One-shot zstd frames over libzstd.
public enum Zstd {
    /// Errors from compressing or decompressing.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// libzstd failed to compress, or to create a compression context (`ZSTD_getErrorName`, or what failed).
        case compressionFailed(String)
        /// The input is not a valid zstd frame, is truncated, or decodes to a size other than declared.
        case corruptFrame(String)
        /// The frame declares more bytes than the caller allows.
        case tooLarge(declared: UInt64, limit: Int)

        /// One line: what failed and libzstd's message (or the declared size and the limit).
        public var description: String {
            switch self {
            case let .compressionFailed(m): return "zstd compression failed: \(m)"
            case let .corruptFrame(m): return "corrupt zstd frame: \(m)"
            case let .tooLarge(d, l): return "zstd frame declares \(d) bytes, over the limit \(l)"
            }
        }
    }

    /// Compresses `bytes` into a single frame that records its content size.
    public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 3) throws -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { o in
            ZSTD_compress(o.baseAddress, bound, bytes.baseAddress, bytes.count, level)
        }
        if ZSTD_isError(n) != 0 { throw Failure.compressionFailed(String(cString: ZSTD_getErrorName(n))) }
        out.removeSubrange(n...)
        return out
    }

    /// Decompresses one frame. The frame must declare its content size, which must not exceed
    /// `limit` (so a lying frame cannot make us allocate more than the caller expects).
    public static func decompress(_ frame: UnsafeRawBufferPointer, limit: Int) throws -> [UInt8] {
        let declared = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        // ZSTD_CONTENTSIZE_UNKNOWN = 0ULL - 1, ZSTD_CONTENTSIZE_ERROR = 0ULL - 2
        if declared == UInt64.max - 1 { throw Failure.corruptFrame("not a zstd frame") }
        if declared == UInt64.max { throw Failure.corruptFrame("frame does not declare its content size") }
        guard declared <= UInt64(limit) else { throw Failure.tooLarge(declared: declared, limit: limit) }
        var out = [UInt8](repeating: 0, count: Int(declared))
        let n = out.withUnsafeMutableBytes { o in
            ZSTD_decompress(o.baseAddress, Int(declared), frame.baseAddress, frame.count)
        }
        if ZSTD_isError(n) != 0 { throw Failure.corruptFrame(String(cString: ZSTD_getErrorName(n))) }
        guard n == Int(declared) else { throw Failure.corruptFrame("decoded \(n) bytes, frame declared \(declared)") }
        return out
    }
}
