import Foundation
import TensorCore
import WeightFormats

/// The resume journal beside an output (`OUT.journal/`): the plan, and one record per finished
/// factored tensor — its stored bytes (`t<i>.bin`, or their place in the output being written in
/// place, `partial.safetensors`) and its manifest entry with the byte layout and per-part checksums
/// (`t<i>.json`, written after the bytes, atomically). A fingerprint of everything
/// that determines the output (tool version, source and calibration checksums, the plan) guards
/// reuse: a journal with another fingerprint is cleared. Removed when the output is complete.
final class CompressionJournal {
    /// One finished tensor.
    struct Record: Codable, Equatable {
        var index: Int
        var entry: CompressionManifest.Entry
        var offsets: [Int]
        var lengths: [Int]
        /// Unused since the parts are checked against `entry.stored[i].sha256` (the bytes are
        /// hashed once, when the entry is made); kept so older records still decode.
        var binSHA256: String?
        /// True when the parts were written in place into `partial.safetensors` (`offsets` are then
        /// absolute offsets in that file) rather than into `t<i>.bin`.
        var placed: Bool?
    }

    let directory: String

    static func directory(for output: String) -> String { output + ".journal" }

    /// The output being written in place (`SafeTensorsPlacedWriter`), renamed over the output when complete.
    var partialPath: String { directory + "/partial.safetensors" }

    init(output: String, fingerprint: String) throws {
        directory = Self.directory(for: output)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else { throw CompressionError.journal(path: directory, reason: "exists and is not a folder") }
        } else {
            do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: false) } catch {
                throw CompressionError.journal(path: directory, reason: "cannot create: \(error.localizedDescription)")
            }
        }
        let fp = directory + "/fingerprint"
        let existing = (try? String(contentsOfFile: fp, encoding: .utf8)) ?? ""
        if existing != fingerprint {
            for f in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where f.hasPrefix("t") || f.hasPrefix("assembled") || f.hasPrefix("partial") {
                try? fm.removeItem(atPath: directory + "/" + f)
            }
            try Self.atomicWrite(Array(fingerprint.utf8), to: fp)
        }
    }

    /// The record of tensor `index`, when present and its bytes check out: in `t<i>.bin`, or for a
    /// placed record at its offsets in `placed` (the output being written in place, which must
    /// then have laid out each part at exactly that range).
    func record(_ index: Int, placed: SafeTensorsPlacedWriter? = nil) -> Record? {
        let json = directory + "/t\(index).json"
        guard let data = FileManager.default.contents(atPath: json),
              let rec = try? JSONDecoder().decode(Record.self, from: data), rec.index == index,
              rec.offsets.count == rec.entry.stored.count, rec.lengths.count == rec.entry.stored.count else { return nil }
        if rec.placed == true {
            guard let out = placed else { return nil }
            for (p, s) in rec.entry.stored.enumerated() {
                guard out.range(of: s.name) == rec.offsets[p]..<(rec.offsets[p] + rec.lengths[p]),
                      let bytes = try? out.read(rec.offsets[p]..<(rec.offsets[p] + rec.lengths[p])),
                      SHA256.hex(bytes) == s.sha256 else { return nil }
            }
            return rec
        }
        guard placed == nil, let m = try? MappedFile(path: directory + "/t\(index).bin"), m.count == rec.lengths.reduce(0, +) else { return nil }
        // Each part against the checksum its manifest entry carries.
        for (p, s) in rec.entry.stored.enumerated() {
            guard let bytes = m.slice(offset: rec.offsets[p], length: rec.lengths[p]), SHA256.hex(bytes) == s.sha256 else { return nil }
        }
        return rec
    }

    /// Records a tensor whose parts were written in place (absolute `offsets` in `partial.safetensors`).
    func savePlaced(index: Int, entry: CompressionManifest.Entry, offsets: [Int], lengths: [Int]) throws -> Record {
        let rec = Record(index: index, entry: entry, offsets: offsets, lengths: lengths, binSHA256: nil, placed: true)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try Self.atomicWrite(Array(try e.encode(rec)), to: directory + "/t\(index).json")
        return rec
    }

    /// Saves a finished tensor: bytes first, then the record that vouches for them.
    func save(index: Int, tensor: CompressedTensor) throws -> Record {
        var offsets: [Int] = [], lengths: [Int] = [], total = 0
        for p in tensor.parts { offsets.append(total); lengths.append(p.bytes.count); total += p.bytes.count }
        // The entry already carries each part's SHA-256 (`record(_:)` checks them): no second hash here.
        let rec = Record(index: index, entry: tensor.entry, offsets: offsets, lengths: lengths, binSHA256: nil)
        try Self.atomicWrite(parts: tensor.parts.map(\.bytes), to: directory + "/t\(index).bin")
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try Self.atomicWrite(Array(try e.encode(rec)), to: directory + "/t\(index).json")
        return rec
    }

    /// Calls `body` with the bytes of stored tensor `part` of `record` (mapped for the call only, so
    /// finished tensors do not stay resident).
    func withPart<R>(_ record: Record, _ part: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let m = try? MappedFile(path: directory + "/t\(record.index).bin"), part < record.offsets.count,
              let s = m.slice(offset: record.offsets[part], length: record.lengths[part]) else {
            throw CompressionError.journal(path: directory, reason: "record \(record.index) part \(part) unreadable")
        }
        return try body(s)
    }

    /// The plan saved under `key`, if any.
    static func loadPlan(output: String, key: String) -> CompressionPlan? {
        let p = directory(for: output) + "/plan-\(key).json"
        guard let data = FileManager.default.contents(atPath: p) else { return nil }
        return try? JSONDecoder().decode(CompressionPlan.self, from: data)
    }

    /// Saves `plan` under `key` (creating the journal folder).
    static func savePlan(_ plan: CompressionPlan, output: String, key: String) throws {
        let dir = directory(for: output)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try atomicWrite(Array(try e.encode(plan)), to: dir + "/plan-\(key).json")
    }

    /// Removes the journal folder.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Write to a temporary name, then rename (atomic against a kill). Not fsynced: after a power
    /// loss a record may be empty or torn, which `record(_:)` detects by its checksum and recomputes.
    /// `atomicWrite` of the concatenation of `parts`, written straight from each array (no joined copy).
    static func atomicWrite(parts: [[UInt8]], to path: String) throws {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CompressionError.journal(path: path, reason: "cannot create \(temp)") }
        for p in parts {
            var done = 0
            while done < p.count {
                let n = p.withUnsafeBytes { write(fd, $0.baseAddress! + done, p.count - done) }
                guard n > 0 else { close(fd); throw CompressionError.journal(path: path, reason: "write failed") }
                done += n
            }
        }
        close(fd)
        guard rename(temp, path) == 0 else { throw CompressionError.journal(path: path, reason: "cannot rename \(temp)") }
    }

    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CompressionError.journal(path: path, reason: "\(error.localizedDescription)")
        }
    }
}
