/// How rotary position embedding pairs the coordinates of a head (Su et al. 2021, RoFormer).
///
/// For head size `hs`, pair `i ∈ [0, hs/2)` rotates by angle `p · base^(−2i/hs)` at position `p`.
public enum RopeLayout: String, Sendable, Codable, CaseIterable {
    /// Coordinates `(2i, 2i+1)` form pair `i` — llama2.c `run.c` and GGUF/llama.cpp (`LLAMA_ROPE_TYPE_NORM`).
    case adjacentPairs
    /// Coordinates `(i, i + hs/2)` form pair `i` — Hugging Face `rotate_half`, whose Q/K rows are
    /// permuted relative to the original Meta/GGUF layout.
    case rotateHalf
}
