import ArgumentParser
import Foundation

/// Runs a benchmark's Python peer as a child process (same run, same machine) and returns what it
/// printed on standard output.
enum PeerProcess {
    /// `python arguments…`, with `environment` set on top of ours; a non-zero exit throws naming `label`,
    /// the status and the peer's output.
    static func output(python: String, _ arguments: [String], environment: [String: String] = [:], label: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ValidationError("\(label) failed (status \(p.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    /// The same, its output parsed as one JSON object.
    static func json(python: String, _ arguments: [String], environment: [String: String] = [:], label: String) throws -> [String: Any] {
        let data = try output(python: python, arguments, environment: environment, label: label)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ValidationError("\(label) printed no JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}
