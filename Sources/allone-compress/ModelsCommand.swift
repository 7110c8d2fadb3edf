import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress models [--catalogue PATH] [--search DIR …] [--verify] [--json]`.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the reference-model catalogue and which of its files are here (and intact, with --verify)."
    )

    @Option(help: "Catalogue file.")
    var catalogue = "Models/catalogue.json"

    @Option(name: .customLong("search"), help: "Folders to look for model files in (repeatable).")
    var folders: [String] = ["Models", "../shared/models/stories260K"]

    @Flag(help: "Check the SHA-256 of every present file.")
    var verify = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let cat = try CLIErrors.run { try ModelCatalogue.read(catalogue) }
        var rows: [[String: Any]] = []
        var bad = false
        for m in cat.models {
            if !json { print("\(m.name) (\(m.architecture), \(m.licence)) — \(m.source)") }
            for f in m.files {
                let (status, path) = ModelCatalogue.status(of: f, in: folders, verify: verify)
                if status == .wrongSize || status == .wrongChecksum { bad = true }
                rows.append(["model": m.name, "file": f.file, "format": f.format, "bytes": f.bytes, "status": status.rawValue,
                             "path": path ?? NSNull()])
                if !json { print("  \(f.file)  \(f.format)  \(CheckpointSummary.grouped(f.bytes)) bytes  \(status.rawValue)\(path.map { "  \($0)" } ?? "")") }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if bad { CLIErrors.fail("\(catalogue): some files do not match the catalogue (size or checksum)") }
    }
}
