/// Errors from TensorCore's file primitives. Every case names the file.
public enum TensorCoreError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, stat'ed or mapped; `reason` is the system's message.
    case cannotOpen(path: String, reason: String)
    /// A write, flush or rename failed; no partial output is left behind.
    case writeFailed(path: String, reason: String)
    /// An output path that cannot be written, refused before any work (`AtomicFile.checkDestination`).
    case badDestination(path: String, reason: String)

    /// `PATH: cannot open: REASON` or `PATH: write failed: REASON`.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open: \(reason)"
        case let .writeFailed(path, reason): return "\(path): write failed: \(reason)"
        case let .badDestination(path, reason): return "\(path): cannot write the output here: \(reason)"
        }
    }
}
