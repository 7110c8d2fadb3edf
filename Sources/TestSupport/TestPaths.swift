import Foundation

/// Where the tests find their data.
///
/// `Fixtures/` and `Models/` are part of the repository. The shared reference data (`../shared`
/// beside the clone, as on CI and developer machines) may be absent in a user's fresh clone:
/// `sharedModel(_:)` returns `nil` then, and tests skip with a message that says so.
public enum TestPaths {
    /// The repository root, found from this source file's location.
    public static let repositoryRoot: URL = {
        URL(fileURLWithPath: #filePath)  // …/Sources/TestSupport/TestPaths.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    /// `Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    /// `Models/<relative>`.
    public static func model(_ relative: String) -> String {
        repositoryRoot.appendingPathComponent("Models").appendingPathComponent(relative).path
    }

    /// The shared data folder (`$ALLONE_SHARED` or `../shared` beside the repository), if present.
    public static var shared: URL? {
        if let env = ProcessInfo.processInfo.environment["ALLONE_SHARED"], !env.isEmpty {
            let u = URL(fileURLWithPath: env)
            return FileManager.default.fileExists(atPath: u.path) ? u : nil
        }
        let u = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("models").path) ? u : nil
    }

    /// `shared/models/<relative>` when that file exists.
    public static func sharedModel(_ relative: String) -> String? {
        guard let s = shared else { return nil }
        let p = s.appendingPathComponent("models").appendingPathComponent(relative).path
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// `shared/corpus/<relative>` when that file exists.
    public static func sharedCorpus(_ relative: String) -> String? {
        guard let s = shared else { return nil }
        let p = s.appendingPathComponent("corpus").appendingPathComponent(relative).path
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// SmolLM2-135M-Instruct Q4_1 GGUF fetched by `scripts/setup` into `Models/cache/`, if present.
    public static var smolLM2: String? {
        let p = model("cache/SmolLM2-135M-Instruct.Q4_1.gguf")
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }

    /// A fresh temporary folder for one test.
    public static func temporaryDirectory(_ tag: String = "test") -> URL {
        let u = FileManager.default.temporaryDirectory
            .appendingPathComponent("allone-\(tag)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}
