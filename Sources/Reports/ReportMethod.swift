import Analysis
import Compression

/// The methods `report` compares. The low-rank ones run through `Compressor` exactly as
/// `allone-compress compress` does; the quantization ones are an outside reference at their own byte size,
/// whose byte counts also serve as the budgets of the equal-bytes runs (`ReportRunner`).
public enum ReportMethod: String, Sendable, CaseIterable, Codable {
    /// Naive truncated SVD, the same fraction of every matrix.
    case svd
    /// ASVD-style diagonal scaling by mean |x|^0.5 (arXiv 2312.05821), uniform ranks.
    case asvd
    /// Measurement-aware (whitened, SVD-LLM) SVD, uniform ranks.
    case masvd
    /// Measurement-aware SVD with ranks allocated across matrices by greedy water-filling on the relative
    /// discarded whitened energy, dense allowed (`compress --allocate entropy --allocation-loss relative
    /// --no-sequential`; no entropy is computed, docs/REPORT.md).
    case masvdAlloc = "masvd+alloc"
    /// As `masvdAlloc`, plus SVD-LLM's closed-form least-squares refit of A.
    case masvdAllocRefit = "masvd+alloc+refit"
    /// The best measured configuration (`CompressionOptions.bestMeasured`, docs/RESULTS.md "Closing the
    /// gap to the goal"): greedy allocation on the residual-stream loss, sequential calibration.
    case masvdBest = "masvd+best"
    /// Tensor-train (TT-matrix / MPO, 3 cores), uniform parameter budget.
    case tt
    /// Round trip through ggml's Q8_0 (8.5 bits per weight) for the block linear layers.
    case q8_0
    /// Round trip through ggml's Q4_0 (4.5 bits per weight).
    case q4_0

    /// Whether the method is a quantization reference (one run, no ratio).
    public var isQuantization: Bool { self == .q8_0 || self == .q4_0 }

    /// `Compressor` options at budget `ratio`; `nil` for the quantization references.
    public func options(ratio: Double) -> CompressionOptions? {
        switch self {
        case .svd: return CompressionOptions(method: .svd, budget: .ratio(ratio), allocation: .uniform, allowDense: false)
        case .asvd: return CompressionOptions(method: .asvd, budget: .ratio(ratio), allocation: .uniform, allowDense: false)
        case .masvd: return CompressionOptions(method: .masvd, budget: .ratio(ratio), allocation: .uniform, allowDense: false)
        case .masvdAlloc: return CompressionOptions(method: .masvd, budget: .ratio(ratio), allocation: .greedy, allowDense: true)
        case .masvdAllocRefit:
            return CompressionOptions(method: .masvd, budget: .ratio(ratio), allocation: .greedy, allowDense: true, refit: true)
        case .masvdBest: return CompressionOptions.bestMeasured(budget: .ratio(ratio))
        case .tt: return CompressionOptions(method: .tt, budget: .ratio(ratio), allocation: .uniform, allowDense: false)
        case .q8_0, .q4_0: return nil
        }
    }
}
