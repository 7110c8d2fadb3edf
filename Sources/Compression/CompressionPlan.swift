import Analysis

/// What a compression will do to every block linear matrix: the allocator's decision (dense or
/// rank k) and, for TT, the bond-rank caps that fit the same parameter count. Pure data, stored in
/// the resume journal; `Compressor.write(_:to:progress:)` executes it.
public struct CompressionPlan: Sendable, Equatable, Codable {
    /// One block linear matrix.
    public struct Item: Sendable, Equatable, Codable {
        public var name: String
        public var rows: Int, columns: Int
        /// Dense, or factored at rank k (k(m + n) parameters).
        public var choice: MatrixChoice
        /// For `tt` (and `auto`'s TT candidate): the cap on every bond rank, the largest whose
        /// train stores at most k(m + n) parameters.
        public var ttCap: Int?
        /// Parameters the plan predicts this matrix stores.
        public var plannedParameters: Int
    }

    public var options: CompressionOptions
    public var spectrum: CompressionAnalysis.Spectrum
    public var items: [Item]
    /// The allocator's plan (labels are tensor names), with its predicted losses.
    public var allocation: AllocationPlan

    /// Σ mn over the block linear matrices.
    public var linearParametersBefore: Int { items.reduce(0) { $0 + $1.rows * $1.columns } }
    /// Σ planned parameters over the block linear matrices.
    public var linearParametersAfter: Int { items.reduce(0) { $0 + $1.plannedParameters } }
}
