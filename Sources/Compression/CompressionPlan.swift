import Analysis

/// What a compression will do to every block linear matrix: the allocator's decision (dense or
/// rank k) and, for TT, the bond-rank caps that fit the same parameter count. Pure data, stored in
/// the resume journal; `Compressor.write(_:to:progress:)` executes it.
public struct CompressionPlan: Sendable, Equatable, Codable {
    /// One block linear matrix.
    public struct Item: Sendable, Equatable, Codable {
        /// The tensor's name in the source.
        public var name: String
        /// The matrix's shape (m, n) = (out, in) features.
        public var rows: Int, columns: Int
        /// Dense, or factored at rank k (k(m + n) parameters).
        public var choice: MatrixChoice
        /// For `tt` (and `auto`'s TT candidate): the cap on every bond rank, the largest whose
        /// train stores at most k(m + n) parameters.
        public var ttCap: Int?
        /// Parameters the plan predicts this matrix stores.
        public var plannedParameters: Int
    }

    /// The options the plan was made under; `write` executes them (method, dtype, zstd, …).
    public var options: CompressionOptions
    /// The spectrum the allocation was driven by (`CompressionAnalysis.spectrum` of the analysis planned from).
    public var spectrum: CompressionAnalysis.Spectrum
    /// One item per block linear matrix, in the analysis' (source) order; `allocation.choices[i]` is `items[i].choice`.
    public var items: [Item]
    /// The allocator's plan (labels are tensor names), with its predicted losses.
    public var allocation: AllocationPlan

    /// Σ mn over the block linear matrices.
    public var linearParametersBefore: Int { items.reduce(0) { $0 + $1.rows * $1.columns } }
    /// Σ planned parameters over the block linear matrices.
    public var linearParametersAfter: Int { items.reduce(0) { $0 + $1.plannedParameters } }
}
