import Foundation
import TensorCore

/// Atomic writes of report files (temporary file, fsync, rename).
public enum ReportFiles {
    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        let f = try AtomicFile(path: path)
        try data.withUnsafeBytes { try f.write($0) }
        try f.commit()
    }
}
