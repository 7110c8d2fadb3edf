import Foundation
import TensorCore

extension ActivationRecorder {
    /// Value of `__metadata__["format"]` in statistics files.
    public static let fileFormat = "allone-activation-stats"

    /// Writes the statistics as a standard safetensors file (readable by Python `safetensors`),
    /// atomically. For each site key `k`: `k.gram` F64 (n, n), `k.mean_abs` F64 (n), `k.tokens` I64 (1);
    /// for each residual-stream key `r` (`residualSumSquares`): `r.energy` F64 (1).
    /// Tensors are sorted by name (all have 8-byte alignment, as the reference writer orders them),
    /// the JSON header is padded with spaces to a multiple of 8 bytes, and `metadata` (plus
    /// `format`) goes to `__metadata__`.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        var entries: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
        func bytes<T: FixedWidthInteger>(_ v: [T]) -> [UInt8] {
            v.flatMap { x -> [UInt8] in withUnsafeBytes(of: x.littleEndian) { Array($0) } }
        }
        for (key, s) in statistics {
            entries.append((key + ".gram", "F64", [s.width, s.width], bytes(s.gram.map(\.bitPattern))))
            entries.append((key + ".mean_abs", "F64", [s.width], bytes(s.meanAbs.map(\.bitPattern))))
            entries.append((key + ".tokens", "I64", [1], bytes([Int64(s.tokens)])))
        }
        for (key, e) in residualSumSquares { entries.append((key + ".energy", "F64", [1], bytes([e.bitPattern]))) }
        entries.sort { $0.name < $1.name }
        var meta = metadata
        meta["format"] = ActivationRecorder.fileFormat
        func quoted(_ s: String) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: [s], options: [])) ?? Data("[\"\"]".utf8)
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        var header = "{\"__metadata__\":{" + meta.keys.sorted().map { "\(quoted($0)):\(quoted(meta[$0]!))" }.joined(separator: ",") + "}"
        var offset = 0
        for e in entries {
            header += ",\(quoted(e.name)):{\"dtype\":\"\(e.dtype)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}"
            offset += e.bytes.count
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }
        do {
            let f = try AtomicFile(path: path)
            try f.writeLE(UInt64(header.utf8.count))
            try f.write(header)
            for e in entries { try f.write(e.bytes) }
            try f.commit()
        } catch {
            throw ReferenceLMError.file(path: path, reason: "cannot write statistics: \(error)")
        }
    }

    /// Reads a statistics file written by `save(to:metadata:)` (or any safetensors file with the same
    /// tensor names), validating the header. Returns the recorder and the file's `__metadata__`.
    public static func load(from path: String) throws -> (recorder: ActivationRecorder, metadata: [String: String]) {
        func bad(_ reason: String) -> ReferenceLMError { .file(path: path, reason: reason) }
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw bad("\(error)") }
        guard let n64 = file.readLE(UInt64.self, at: 0) else { throw bad("truncated: no header length at offset 0") }
        guard n64 <= 100_000_000, let headerBytes = file.slice(offset: 8, length: Int(n64)) else {
            throw bad("header length \(n64) at offset 0 exceeds the file or 100,000,000")
        }
        let dataStart = 8 + Int(n64)
        guard let json = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else {
            throw bad("header at offset 8 is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let m = json["__metadata__"] {
            guard let m = m as? [String: String] else { throw bad("__metadata__ values must be strings") }
            metadata = m
        }
        struct Raw { var dtype: String; var shape: [Int]; var begin: Int; var end: Int }
        var raw: [String: Raw] = [:]
        for (name, value) in json where name != "__metadata__" {
            guard let d = value as? [String: Any], let dtype = d["dtype"] as? String, let shape = d["shape"] as? [Int],
                  let off = d["data_offsets"] as? [Int], off.count == 2, off[0] >= 0, off[0] <= off[1],
                  let count = Tensor.elementCount(shape), count.multipliedReportingOverflow(by: 8).overflow == false,
                  off[1] - off[0] == count * 8, dtype == "F64" || dtype == "I64",
                  file.contains(offset: dataStart + off[0], length: off[1] - off[0]) else {
                throw bad("tensor '\(name)': bad dtype, shape or data_offsets (only F64/I64 statistics are accepted)")
            }
            raw[name] = Raw(dtype: dtype, shape: shape, begin: dataStart + off[0], end: dataStart + off[1])
        }
        func values(_ r: Raw) -> [UInt64] {
            (0..<((r.end - r.begin) / 8)).map { file.readLE(UInt64.self, at: r.begin + 8 * $0) ?? 0 }
        }
        var stats: [String: ActivationStatistics] = [:]
        for (name, r) in raw where name.hasSuffix(".gram") {
            let key = String(name.dropLast(5))
            guard r.dtype == "F64", r.shape.count == 2, r.shape[0] == r.shape[1],
                  let m = raw[key + ".mean_abs"], m.dtype == "F64", m.shape == [r.shape[0]],
                  let t = raw[key + ".tokens"], t.dtype == "I64", t.shape == [1] else {
                throw bad("site '\(key)': needs \(key).gram F64 (n, n), \(key).mean_abs F64 (n), \(key).tokens I64 (1)")
            }
            let tokens = Int(Int64(bitPattern: values(t)[0]))
            guard tokens >= 0 else { throw bad("site '\(key)': negative token count") }
            let meanAbs = values(m).map { Double(bitPattern: $0) }
            stats[key] = ActivationStatistics(width: r.shape[0], gram: values(r).map { Double(bitPattern: $0) },
                                              absSum: meanAbs.map { $0 * Double(tokens) }, tokens: tokens)
        }
        let recorder = ActivationRecorder(statistics: stats)
        for (name, r) in raw where name.hasSuffix(".energy") {
            guard r.dtype == "F64", r.shape == [1] else { throw bad("tensor '\(name)': residual energy must be F64 (1)") }
            let e = Double(bitPattern: values(r)[0])
            guard e.isFinite, e >= 0 else { throw bad("tensor '\(name)': residual energy \(e)") }
            recorder.residualSumSquares[String(name.dropLast(7))] = e
        }
        return (recorder, metadata)
    }
}
