import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress verify FILE`: re-checks every stored tensor's SHA-256 against the manifest.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check every checksum of a compressed checkpoint (exit 2 naming the tensor on a mismatch)."
    )

    @Argument(help: "A compressed checkpoint (.safetensors or .safetensors.zst).")
    var file: String

    @Flag(help: "Print a JSON summary.")
    var json = false

    func run() async throws {
        let progress = TerminalProgress("verify", quiet: json)
        let (checked, mismatches) = try CLIErrors.run {
            try CompressedCheckpoint(path: file).verify(progress: progress)
        }
        if json {
            let obj: [String: Any] = ["file": file, "checked": checked, "ok": mismatches.isEmpty,
                                      "mismatches": mismatches.map { ["tensor": $0.tensor, "expected": $0.expected, "found": $0.found] }]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if let first = mismatches.first {
            if !json {
                for m in mismatches {
                    FileHandle.standardError.write(Data("error: \(file): checksum mismatch in tensor '\(m.tensor)': manifest \(m.expected), bytes \(m.found)\n".utf8))
                }
            }
            _ = first
            throw ExitCode(2)
        }
        if !json { print("\(file): \(checked) stored tensors, all checksums match") }
    }
}
