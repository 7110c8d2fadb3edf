import Analysis
import TensorCore

/// Everything that decides a compression's output besides the source and its calibration.
/// Same options + same source + same calibration → byte-identical output.
public struct CompressionOptions: Sendable, Equatable, Codable {
    /// The factorization.
    public var method: CompressionMethod
    /// The global budget.
    public var budget: CompressionBudget
    /// `.uniform` (every matrix keeps the same share) or `.greedy` (water-filling on the predicted
    /// loss per parameter saved; `--allocate entropy`, a historical name: the loss is the spectrum's
    /// discarded tail, no entropy is computed — docs/REPORT.md, "The allocation and spectral entropy").
    public var allocation: AllocationStrategy
    /// Whether a matrix may stay dense when factoring it would not pay (greedy allocation only).
    public var allowDense: Bool
    /// Refit the left factor by least squares on the Gram matrix (`masvd` only).
    public var refit: Bool
    /// Element type of stored tensors (F32, F16 or BF16); 1-D tensors always stay F32.
    public var dtype: DType
    /// Write `.safetensors.zst`: tensors byte-plane shuffled, the whole file one zstd frame.
    public var zstd: Bool
    /// zstd level when `zstd`.
    public var zstdLevel: Int32
    /// Recorded in the manifest; the current methods are deterministic and do not draw from it.
    public var seed: UInt64
    /// Number of cores of a TT-matrix.
    public var ttOrder: Int
    /// α of the ASVD scaling `diag(mean|x|)^α`.
    public var asvdAlpha: Double
    /// Calibration with fewer tokens than this is refused.
    public var minimumCalibrationTokens: Int
    /// Shrinkage of every Gram matrix before whitening (`masvd`; `.none` by default).
    public var shrinkage: GramShrinkage
    /// The greedy allocator's loss (`.relativeEnergy` by default).
    public var allocationLoss: AllocationLoss
    /// Sequential calibration (`masvd` only): block by block, each matrix is fitted to reproduce the
    /// original layer's output from the inputs the already-compressed model gives it
    /// (`Compressor.sequentialCalibration` must be set). Ranks are still planned once, on the
    /// one-shot spectra.
    public var sequential: Bool
    /// Floor of every factored matrix (greedy allocation): it keeps at least this fraction (0…1) of its
    /// dense parameter count, i.e. rank ≥ ⌈f·mn/(m + n)⌉ — the allocator must then spread the budget over
    /// more matrices instead of cutting a few deeply. 0 (default): rank ≥ 1.
    public var minimumKeptFraction: Double

    /// Sets every option; the defaults are the CLI's (`svd`, ratio 0.3, uniform allocation, F32, no zstd,
    /// TT order 3, α = 0.5, at least 64 calibration tokens). Unchecked: call `validate()` (or
    /// `Compressor.check(_:)`), which `Compressor.plan(_:options:)` also does.
    public init(method: CompressionMethod = .svd, budget: CompressionBudget = .ratio(0.3),
                allocation: AllocationStrategy = .uniform, allowDense: Bool = true, refit: Bool = false,
                dtype: DType = .f32, zstd: Bool = false, zstdLevel: Int32 = 3, seed: UInt64 = 0,
                ttOrder: Int = 3, asvdAlpha: Double = 0.5, minimumCalibrationTokens: Int = 64,
                shrinkage: GramShrinkage = .none, allocationLoss: AllocationLoss = .relativeEnergy, sequential: Bool = false,
                minimumKeptFraction: Double = 0) {
        self.method = method; self.budget = budget; self.allocation = allocation; self.allowDense = allowDense
        self.refit = refit; self.dtype = dtype; self.zstd = zstd; self.zstdLevel = zstdLevel; self.seed = seed
        self.ttOrder = ttOrder; self.asvdAlpha = asvdAlpha; self.minimumCalibrationTokens = minimumCalibrationTokens
        self.shrinkage = shrinkage; self.allocationLoss = allocationLoss; self.sequential = sequential
        self.minimumKeptFraction = minimumKeptFraction
    }

    /// Checks the budget, the dtype (F32/F16/BF16), the TT order, α, the shrinkage, that sequential goes with masvd and
    /// refit with masvd or auto.
    public func validate() throws {
        try budget.validate()
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw CompressionError.invalidBudget("stored dtype \(dtype.rawValue): use F32, F16 or BF16")
        }
        guard ttOrder >= 2, ttOrder <= 6 else { throw CompressionError.invalidBudget("TT order \(ttOrder) outside 2...6") }
        guard asvdAlpha.isFinite, asvdAlpha >= 0 else { throw CompressionError.invalidBudget("ASVD alpha \(asvdAlpha)") }
        try shrinkage.validate()
        guard minimumKeptFraction.isFinite, minimumKeptFraction >= 0, minimumKeptFraction < 1 else {
            throw CompressionError.invalidBudget("minimum kept fraction \(minimumKeptFraction) outside 0..<1")
        }
        if sequential, method != .masvd {
            throw CompressionError.invalidBudget("sequential calibration refits measurement-aware factors: use method masvd, not \(method.rawValue)")
        }
        if refit, method != .masvd, method != .auto {
            throw CompressionError.invalidBudget("refit refits measurement-aware factors: use method masvd or auto, not \(method.rawValue)")
        }
        guard zstdLevel >= 1, zstdLevel <= 22 else { throw CompressionError.invalidBudget("zstd level \(zstdLevel) outside 1...22") }
    }
}

extension CompressionOptions {
    /// The configuration that measured best on SmolLM2-135M (docs/RESULTS.md, "Closing the gap to the
    /// goal"): measurement-aware SVD, greedy allocation (dense allowed) on the residual-stream loss
    /// (`AllocationLoss.residualStream`: needs residual energies, recorded with the statistics), over the
    /// whitened spectra, factors fitted by sequential calibration (needs `Compressor.sequentialCalibration`).
    /// Gram shrinkage is not part of it: with this loss it raised the perplexity on other text.
    public static func bestMeasured(budget: CompressionBudget) -> CompressionOptions {
        CompressionOptions(method: .masvd, budget: budget, allocation: .greedy, allowDense: true,
                           allocationLoss: .residualStream, sequential: true)
    }
}
