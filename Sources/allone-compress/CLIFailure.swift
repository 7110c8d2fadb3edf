import ArgumentParser
import Foundation

/// A bad-input failure: prints the message to stderr and exits with code 2.
enum CLIFailure: Error, CustomStringConvertible {
    case badInput(String)

    var description: String {
        switch self { case let .badInput(m): return m }
    }

    /// Runs `body`, mapping any error to a message on stderr and `ExitCode(2)`.
    static func guarding<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ExitCode { throw e } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Prints `error: message` to stderr and returns the exit code 2 to throw from `validate()`
    /// (a `ValidationError` exits with 2 as well, through `AlloneCompressCommand.main`, with the usage).
    static func reject(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(2)
    }

    /// Reads a UTF-8 text file or fails with exit code 2; an empty file is refused too (`what`
    /// says what the text is for: "calibration", "evaluation").
    static func readText(_ path: String, for what: String = "evaluation") throws -> String {
        try guarding {
            guard let s = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CLIFailure.badInput("\(path): cannot read as UTF-8 text")
            }
            guard !s.isEmpty else { throw CLIFailure.badInput("\(path): no \(what) text (the file is empty)") }
            return s
        }
    }
}
