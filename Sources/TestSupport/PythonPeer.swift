import Foundation

/// Runs a committed Python peer script with the repository's `.venv-peers` interpreter
/// (created by `scripts/setup --peers`). Tests that need it skip when it is absent.
public enum PythonPeer {
    /// `<repo>/.venv-peers/bin/python`, when present.
    public static var python: String? {
        let p = TestPaths.repositoryRoot.appendingPathComponent(".venv-peers/bin/python").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// The first of `candidates` (paths to Python interpreters) that exists and can `import` every
    /// module of `modules` (a comma-separated import list, e.g. "transformers, torch"); nil if none.
    public static func first(of candidates: [String], importing modules: String) -> String? {
        candidates.first { p in
            guard FileManager.default.isExecutableFile(atPath: p) else { return false }
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: p)
            proc.arguments = ["-c", "import " + modules]
            proc.standardOutput = FileHandle.nullDevice
            proc.standardError = FileHandle.nullDevice
            guard (try? proc.run()) != nil else { return false }
            proc.waitUntilExit()
            return proc.terminationStatus == 0
        }
    }

    /// Runs `script` (relative to the repository root) with `arguments`; returns status and stdout+stderr.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        guard let python else { throw CocoaError(.fileNoSuchFile) }
        return try run(python: python, script: TestPaths.repositoryRoot.appendingPathComponent(script).path, arguments)
    }

    /// Runs `script` (a path) with the interpreter `python` and `arguments`, the environment
    /// inherited with `environment` laid over it; returns status and stdout+stderr.
    public static func run(python: String, script: String, _ arguments: [String],
                           environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script] + arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
