import TensorCore

/// A llama2.c checkpoint (`.bin`, the format `run.c` reads), memory-mapped and validated.
///
/// File layout: the 7-int32 `Llama2CHeader`, then float32 arrays in `run.c`'s order. Each per-layer
/// matrix is stored row-major exactly as `run.c`'s `matmul(xout, x, w, n, d)` reads it —
/// `W` is (d, n) = (out_features, in_features) — so it is exposed unchanged, in the shape a
/// `Linear` uses. The name mapping, stated once (L = n_layers, D = dim, H = hidden_dim,
/// KV = n_kv_heads · head_size, V = vocab_size, S = seq_len, hs = head_size):
///
/// | llama2.c array | stored | exposed as | shape per tensor |
/// |---|---|---|---|
/// | token_embedding_table | (V, D) | `token_embd.weight` | (V, D) |
/// | rms_att_weight | (L, D) | `blk.N.attn_norm.weight` | (D) |
/// | wq | (L, D, D) | `blk.N.attn_q.weight` | (D, D) |
/// | wk | (L, KV, D) | `blk.N.attn_k.weight` | (KV, D) |
/// | wv | (L, KV, D) | `blk.N.attn_v.weight` | (KV, D) |
/// | wo | (L, D, D) | `blk.N.attn_output.weight` | (D, D) |
/// | rms_ffn_weight | (L, D) | `blk.N.ffn_norm.weight` | (D) |
/// | w1 | (L, H, D) | `blk.N.ffn_gate.weight` | (H, D) |
/// | w2 | (L, D, H) | `blk.N.ffn_down.weight` | (D, H) |
/// | w3 | (L, H, D) | `blk.N.ffn_up.weight` | (H, D) |
/// | rms_final_weight | (D) | `output_norm.weight` | (D) |
/// | freq_cis_real, freq_cis_imag | (S, hs/2) each | skipped (RoPE is recomputed) | — |
/// | wcls (only when vocab_size < 0) | (V, D) | `output.weight` | (V, D) |
///
/// Opening checks that the file is exactly as long as the header implies (overflow-checked), so a
/// truncated or padded file is refused before any tensor is read. RoPE in these files rotates
/// adjacent pairs `(2i, 2i+1)` with base 10000.
public final class Llama2CCheckpoint: WeightSource, @unchecked Sendable {
    /// The file opened, as given.
    public let path: String
    /// Always `"llama2.c"` (the format has no version field).
    public var formatDescription: String { "llama2.c" }
    /// The validated 7-int32 header.
    public let header: Llama2CHeader
    /// The exposed tensors in file order under their GGUF names (table above), all `.dense(.f32)` with
    /// `byteCount` = 4 × elements; the RoPE tables are not listed.
    public let tensors: [TensorInfo]
    /// The header as metadata: `llama2c.dim`, `.hidden_dim`, `.n_layers`, `.n_heads`, `.n_kv_heads`,
    /// `.vocab_size` (absolute value), `.seq_len` as `.int32`, and `llama2c.shared_classifier` as `.bool`.
    public let metadata: [String: MetadataValue]
    /// Byte offset of each exposed tensor's data.
    private let offsets: [String: Int]
    private let file: MappedFile

    /// Maps and validates `path`. Throws `WeightFormatError` naming the file, field and offset.
    public init(path: String) throws {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw WeightFormatError.io(file: path, reason: "\(error)") }
        let layout = try Llama2CCheckpoint.layout(of: Llama2CByteReader(bytes: file.bytes), path: path)
        self.file = file
        self.path = path
        self.header = layout.header
        self.tensors = layout.tensors
        self.offsets = layout.offsets
        let h = layout.header
        self.metadata = [
            "llama2c.dim": .int32(Int32(h.dim)), "llama2c.hidden_dim": .int32(Int32(h.hiddenDim)),
            "llama2c.n_layers": .int32(Int32(h.layerCount)), "llama2c.n_heads": .int32(Int32(h.headCount)),
            "llama2c.n_kv_heads": .int32(Int32(h.kvHeadCount)), "llama2c.vocab_size": .int32(Int32(h.vocabSize)),
            "llama2c.seq_len": .int32(Int32(h.sequenceLength)), "llama2c.shared_classifier": .bool(h.sharedClassifier),
        ]
    }

    /// The validated layout of a llama2.c file: header, tensor table, data offsets.
    public struct Layout: Sendable {
        /// The validated header.
        public var header: Llama2CHeader
        /// The exposed tensors in file order (see the table above).
        public var tensors: [TensorInfo]
        /// Absolute byte offset from the start of the file of each exposed tensor's data (the first is 28,
        /// just after the header); every `offset + 4 × elements ≤ byteCount` (the file size).
        public var offsets: [String: Int]
        /// Total bytes the header implies.
        public var byteCount: Int
    }

    /// Parses and validates the header and the tensor table of llama2.c bytes (no tensor data is
    /// read). Used by `init(path:)` and by the fuzzer. `path` only names the file in errors.
    public static func layout(of bytes: Llama2CByteReader, path: String) throws -> Layout {
        let h = try Llama2CHeader(file: bytes, path: path)
        let (D, H, L, V, S) = (h.dim, h.hiddenDim, h.layerCount, h.vocabSize, h.sequenceLength)
        let KV = h.kvDim
        // (llama2.c array, exposed name pattern with {N} for the layer, per-layer shape, layers)
        var entries: [(String, String, [Int], Int)] = [
            ("token_embedding_table", "token_embd.weight", [V, D], 1),
            ("rms_att_weight", "blk.{N}.attn_norm.weight", [D], L),
            ("wq", "blk.{N}.attn_q.weight", [D, D], L),
            ("wk", "blk.{N}.attn_k.weight", [KV, D], L),
            ("wv", "blk.{N}.attn_v.weight", [KV, D], L),
            ("wo", "blk.{N}.attn_output.weight", [D, D], L),
            ("rms_ffn_weight", "blk.{N}.ffn_norm.weight", [D], L),
            ("w1", "blk.{N}.ffn_gate.weight", [H, D], L),
            ("w2", "blk.{N}.ffn_down.weight", [D, H], L),
            ("w3", "blk.{N}.ffn_up.weight", [H, D], L),
            ("rms_final_weight", "output_norm.weight", [D], 1),
            ("freq_cis_real", "", [S, h.headSize / 2], 1),
            ("freq_cis_imag", "", [S, h.headSize / 2], 1),
        ]
        if !h.sharedClassifier { entries.append(("wcls", "output.weight", [V, D], 1)) }

        var offset = Llama2CHeader.byteCount
        var tensors: [TensorInfo] = []
        var offsets: [String: Int] = [:]
        for (array, pattern, shape, layers) in entries {
            guard let per = Tensor.elementCount(shape),
                  case let (perBytes, o1) = per.multipliedReportingOverflow(by: 4), !o1,
                  case let (all, o2) = perBytes.multipliedReportingOverflow(by: layers), !o2,
                  case let (end, o3) = offset.addingReportingOverflow(all), !o3 else {
                throw WeightFormatError.limitExceeded(file: path, field: array, offset: offset,
                                                      value: UInt64.max, limit: UInt64(Int.max))
            }
            guard end <= bytes.count else {
                throw WeightFormatError.truncated(file: path, field: array, offset: offset, needed: all)
            }
            if !pattern.isEmpty {
                for l in 0..<layers {
                    let name = pattern.hasPrefix("blk.{N}.") ? "blk.\(l)." + pattern.dropFirst(8) : pattern
                    tensors.append(TensorInfo(name: name, shape: shape, storage: .dense(.f32), byteCount: perBytes))
                    offsets[name] = offset + l * perBytes
                }
            }
            offset = end
        }
        guard offset == bytes.count else {
            throw WeightFormatError.invalid(file: path, field: "file size", offset: offset,
                                            reason: "header implies \(offset) bytes, file has \(bytes.count) (\(bytes.count - offset) trailing)")
        }
        return Layout(header: h, tensors: tensors, offsets: offsets, byteCount: offset)
    }

    /// Copies tensor `name` (little-endian F32) out of the mapping, in its row-major shape. Throws
    /// `.tensorNotFound` for a name not in `tensors` (the RoPE tables included).
    public func float32(_ name: String) throws -> Tensor {
        guard let offset = offsets[name], let info = info(name) else {
            throw WeightFormatError.tensorNotFound(file: path, name: name)
        }
        let count = info.elementCount
        guard let raw = file.slice(offset: offset, length: count * 4) else {
            throw WeightFormatError.truncated(file: path, field: name, offset: offset, needed: count * 4)
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dst in
            dst.copyMemory(from: raw)
        }
        #if _endian(big)
        for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
        #endif
        guard let t = Tensor(shape: info.shape, storage: values) else {
            throw WeightFormatError.shapeMismatch(file: path, tensor: name, expected: info.shape, found: [count])
        }
        return t
    }
}
