import ArgumentParser
import Foundation

/// Turns library errors into the CLI's contract: one line `error: <description>` on standard error
/// naming the file and the problem, and exit status 2.
enum CLIErrors {
    /// Runs `body`; on error prints `error: <description>` to stderr and exits with 2.
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as ExitCode {
            throw e
        } catch {
            fail("\(error)")
        }
    }

    /// Prints `error: message` to standard error and exits with status 2.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(2)
    }
}
