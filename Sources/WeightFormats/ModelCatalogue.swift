import Foundation
import TensorCore

/// The committed catalogue of reference models (`Models/catalogue.json`): name, source, files with
/// sizes and SHA-256, licence and architecture. The CLI lists it and checks which files are present
/// and intact; nothing is ever downloaded at run time (`scripts/setup` fetches what set-up may).
public struct ModelCatalogue: Codable, Sendable, Equatable {
    /// One model.
    public struct Model: Codable, Sendable, Equatable {
        /// JSON key `name`: the model's short name, e.g. `"stories260K"`, `"SmolLM2-135M-Instruct"`.
        public var name: String
        /// JSON key `architecture`: the `general.architecture` the model runs as (`"llama"` for both catalogued models).
        public var architecture: String
        /// JSON key `source`: free text saying where the files come from and how set-up fetches them; never parsed.
        public var source: String
        /// JSON key `files`: every file of the model (weights, tokenizer, other formats), in catalogue order.
        public var files: [File]
        /// JSON key `licence`: the licence identifier, e.g. `"MIT"`, `"Apache-2.0"`.
        public var licence: String
    }

    /// One file of a model.
    public struct File: Codable, Sendable, Equatable {
        /// JSON key `file`: path relative to each searched models folder, e.g. `"cache/SmolLM2-135M-Instruct.Q4_1.gguf"`.
        public var file: String
        /// JSON key `format`: free-text description of the file's format (`"llama2.c"`, `"GGUF v3 (Q4_1 + Q8_0)"`);
        /// informational, not parsed or checked.
        public var format: String
        /// JSON key `bytes`: the exact file size in bytes; a file of another size is `.wrongSize`.
        public var bytes: Int
        /// JSON key `sha256`: SHA-256 of the whole file as 64 lower-case hex digits, compared exactly (case-sensitive)
        /// with `SHA256.hex` of the file when verifying.
        public var sha256: String
    }

    /// What was found for one file.
    public enum FileStatus: String, Sendable, Equatable {
        /// `missing`: in no folder (also when `verify` cannot map a file of the right size);
        /// `present`: right size, checksum not computed (no `verify`); `verified`: right size and SHA-256;
        /// `wrongSize`: the first folder holding it has another size; `wrongChecksum`: right size, other
        /// SHA-256. The raw values are what the CLI prints.
        case missing, present, verified, wrongSize = "wrong size", wrongChecksum = "wrong checksum"
    }

    /// JSON key `models`: the catalogued models, in file order.
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
