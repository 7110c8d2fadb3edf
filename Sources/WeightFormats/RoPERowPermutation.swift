import TensorCore

/// The row permutation between the two RoPE layouts of Llama Q and K weights.
///
/// GGUF (and llama2.c, and Meta's original checkpoints) rotate adjacent pairs: in each head of
/// size `hs`, rows `2i` and `2i+1` form pair `i`. Hugging Face's `rotate_half` pairs rows `i` and
/// `i + hs/2`. llama.cpp's `convert_hf_to_gguf.py` turns HF into GGUF with
/// `w.reshape(n_head, 2, hs/2, …).swapaxes(1, 2).reshape(w.shape)` (`n_head` = KV heads for K), i.e.
///
///     gguf[h·hs + 2i + j] = hf[h·hs + j·hs/2 + i],   h < n_head, i < hs/2, j ∈ {0, 1}.
///
/// Both directions only move whole rows, so they are exact (bit for bit) and inverse to each other.
public enum RoPERowPermutation {
    /// Which way to move rows.
    public enum Direction: Sendable {
        /// GGUF/Meta adjacent pairs → Hugging Face rotate-half (the inverse of llama.cpp's `permute`).
        case ggufToHuggingFace
        /// Hugging Face rotate-half → GGUF adjacent pairs (llama.cpp's `permute`).
        case huggingFaceToGGUF
    }

    /// `tensor` (a Q or K weight `(heads·hs, columns)` or bias `(heads·hs)`) with its rows moved.
    /// Throws `WeightFormatError.invalid` naming `file` and `tensor` when the rows do not split into
    /// `heads` heads of an even size.
    public static func apply(_ direction: Direction, to tensor: Tensor, heads: Int, file: String, name: String) throws -> Tensor {
        guard let rows = tensor.shape.first, heads > 0, rows % heads == 0, (rows / heads) % 2 == 0 else {
            throw WeightFormatError.invalid(file: file, field: name, offset: 0,
                                            reason: "\(tensor.shape.first ?? 0) rows do not split into \(heads) heads of an even size")
        }
        let hs = rows / heads, half = hs / 2, width = rows == 0 ? 0 : tensor.count / rows
        var out = [Float](repeating: 0, count: tensor.count)
        tensor.storage.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for h in 0..<heads {
                    for i in 0..<half {
                        for j in 0..<2 {
                            let gguf = h * hs + 2 * i + j, hf = h * hs + j * half + i
                            let (from, to) = direction == .ggufToHuggingFace ? (gguf, hf) : (hf, gguf)
                            for c in 0..<width { dst[to * width + c] = src[from * width + c] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: tensor.shape, storage: out) ?? tensor
    }
}
