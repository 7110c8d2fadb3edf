import Foundation

/// Runs a committed Python peer script with the repository's `.venv-peers` interpreter
/// (created by `scripts/setup --peers`). Tests that need it skip when it is absent.
public enum PythonPeer {
    /// `<repo>/.venv-peers/bin/python`, when present.
    public static var python: String? {
        let p = TestPaths.repositoryRoot.appendingPathComponent(".venv-peers/bin/python").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// Runs `script` (relative to the repository root) with `arguments`; returns status and stdout+stderr.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        guard let python else { throw CocoaError(.fileNoSuchFile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [TestPaths.repositoryRoot.appendingPathComponent(script).path] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
