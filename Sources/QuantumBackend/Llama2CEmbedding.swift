import TensorCore

/// Reads the token-embedding table of a llama2.c checkpoint (Karpathy's `run.c` layout): a header of
/// 7 little-endian Int32 (`dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len`;
/// a negative vocab size marks an unshared classifier) followed by `token_embedding_table`
/// as `vocab × dim` Float32 — at byte offset 28.
///
/// A deliberately tiny reader local to QuantumBackend (no dependency on other modules' readers).
/// Names: `token_embd.weight` (the whole table) or `token_embd.weight[ROW]` (one row).
public struct Llama2CEmbedding: Sendable {
    /// Embedding width (`dim` from the header), 1…65536.
    public let dim: Int
    /// Number of rows, `|vocab_size|` from the header (1…2²²).
    public let vocabSize: Int
    /// The token-embedding table, `vocabSize × dim` row-major Float32 (row t = token t).
    public let values: [Float]  // (vocab, dim)

    /// Maps the file at `path` and copies the embedding table out of it.
    /// - Throws: `QuantumError.file(path:detail:)` if the file cannot be mapped, is shorter than the 28-byte header,
    ///   has `dim` or `vocab_size` out of range, or ends before the `vocab × dim` Float32 table.
    public init(path: String) throws {
        let f: MappedFile
        do { f = try MappedFile(path: path) } catch { throw QuantumError.file(path: path, detail: "\(error)") }
        guard f.count >= 28, let raw = f.slice(offset: 0, length: 28) else { throw QuantumError.file(path: path, detail: "shorter than the 28-byte header") }
        let header = (0..<7).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        let d = header[0], v = abs(header[5])
        guard d > 0, d <= 1 << 16, v > 0, v <= 1 << 22 else {
            throw QuantumError.file(path: path, detail: "header dim \(d) / vocab_size \(header[5]) out of range")
        }
        guard let body = f.slice(offset: 28, length: d * v * 4) else {
            throw QuantumError.file(path: path, detail: "token_embedding (\(v)×\(d) float32 at offset 28) runs past the end (\(f.count) bytes)")
        }
        dim = d
        vocabSize = v
        values = (0..<(d * v)).map { Float(bitPattern: UInt32(littleEndian: body.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }

    /// The named tensor as Float64, zero-padded to the next power of two.
    public func tensor(named name: String) throws -> [Double] {
        let data: [Float]
        if name == "token_embd.weight" {
            data = values
        } else if name.hasPrefix("token_embd.weight["), name.hasSuffix("]"),
                  let row = Int(name.dropFirst("token_embd.weight[".count).dropLast()) {
            guard row >= 0 && row < vocabSize else { throw QuantumError.invalidArgument("row \(row) outside 0..<\(vocabSize)") }
            data = Array(values[(row * dim)..<((row + 1) * dim)])
        } else {
            throw QuantumError.invalidArgument("unknown tensor '\(name)' (use token_embd.weight or token_embd.weight[ROW])")
        }
        var n = 1
        while n < data.count { n <<= 1 }
        return data.map(Double.init) + [Double](repeating: 0, count: n - data.count)
    }
}
