import Foundation
import TensorCore

/// The committed catalogue of reference models (`Models/catalogue.json`): name, source, files with
/// sizes and SHA-256, licence and architecture. The CLI lists it and checks which files are present
/// and intact; nothing is ever downloaded at run time (`scripts/setup` fetches what set-up may).
public struct ModelCatalogue: Codable, Sendable, Equatable {
    /// One model.
    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        public var architecture: String
        public var source: String
        public var files: [File]
        public var licence: String
    }

    /// One file of a model.
    public struct File: Codable, Sendable, Equatable {
        public var file: String
        public var format: String
        public var bytes: Int
        public var sha256: String
    }

    /// What was found for one file.
    public enum FileStatus: String, Sendable, Equatable {
        case missing, present, verified, wrongSize = "wrong size", wrongChecksum = "wrong checksum"
    }

    public var models: [Model]

    /// Reads and decodes a catalogue file.
    public static func read(_ path: String) throws -> ModelCatalogue {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw WeightFormatError.io(file: path, reason: "cannot read the model catalogue")
        }
        do { return try JSONDecoder().decode(ModelCatalogue.self, from: data) } catch {
            throw WeightFormatError.invalid(file: path, field: "catalogue", offset: 0, reason: "\(error)")
        }
    }

    /// The status of `file` looked up in `folders` (first folder holding it wins); with `verify`, the
    /// SHA-256 of a present file is computed and compared.
    public static func status(of file: File, in folders: [String], verify: Bool) -> (FileStatus, String?) {
        for folder in folders {
            let path = (folder as NSString).appendingPathComponent(file.file)
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (attrs[.size] as? NSNumber)?.intValue else { continue }
            guard size == file.bytes else { return (.wrongSize, path) }
            guard verify else { return (.present, path) }
            guard let mapped = try? MappedFile(path: path) else { return (.missing, path) }
            return (SHA256.hex(mapped.bytes) == file.sha256 ? .verified : .wrongChecksum, path)
        }
        return (.missing, nil)
    }
}
