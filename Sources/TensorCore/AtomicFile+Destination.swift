#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AtomicFile {
    /// Refuses, before any work, a destination `AtomicFile(path:)` could not commit to: `path` is an
    /// existing folder (the final rename would fail), or its folder does not exist, is not a folder,
    /// or is not writable by this process (`access(W_OK | X_OK)`; always true for root). An existing
    /// regular file is fine: it is replaced. Throws `TensorCoreError.badDestination` naming `path`.
    public static func checkDestination(_ path: String) throws {
        if let kind = fileKind(path), kind == S_IFDIR { throw TensorCoreError.badDestination(path: path, reason: "it is an existing folder") }
        try checkWritableFolder(parent(of: path), for: path)
    }

    /// The same for a folder that a writer will create (with its missing parents) and fill:
    /// `path` is an existing writable folder, or the nearest existing ancestor is one.
    public static func checkFolderDestination(_ path: String) throws {
        var p = path
        while true {
            if let kind = fileKind(p) {
                guard kind == S_IFDIR else {
                    throw TensorCoreError.badDestination(path: path, reason: p == path ? "it is an existing file, not a folder" : "\(p) is a file, not a folder")
                }
                try checkWritableFolder(p, for: path)
                return
            }
            let up = parent(of: p)
            if up == p { return }
            p = up
        }
    }

    private static func checkWritableFolder(_ dir: String, for path: String) throws {
        guard let kind = fileKind(dir) else { throw TensorCoreError.badDestination(path: path, reason: "the folder \(dir) does not exist") }
        guard kind == S_IFDIR else { throw TensorCoreError.badDestination(path: path, reason: "\(dir) is not a folder") }
        guard access(dir, W_OK | X_OK) == 0 else { throw TensorCoreError.badDestination(path: path, reason: "the folder \(dir) is not writable") }
    }

    /// The folder part of `path` as `init(path:)` splits it ("." for a bare name, "/" at the root).
    static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        let d = p[..<slash]
        return d.isEmpty ? "/" : String(d)
    }

    /// `S_IFMT` bits of `path` (links followed), nil when it does not exist.
    private static func fileKind(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }
}
