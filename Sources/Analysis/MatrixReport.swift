/// Per-matrix analysis values (the `LayerReport` row of one weight matrix): shape, spectrum
/// statistics of W and, when calibration was given, of the whitened W S, energy captured at the
/// candidate ranks, the break-even rank, and TT bond entropies when requested.
public struct MatrixReport: Sendable, Equatable, Codable {
    /// Caller's name for the matrix (e.g. `model.layers.0.self_attn.q_proj.weight`).
    public let label: String
    /// Transformer block index, when the caller knows it.
    public let layer: Int?
    /// Kind (q, k, v, o, gate, up, down, …), when the caller knows it.
    public let kind: String?
    /// m, n.
    public let rows: Int, columns: Int
    /// Statistics of W's spectrum.
    public let plain: SpectralStatistics
    /// Statistics of W S's spectrum (measurement-aware), when calibration was given.
    public let whitened: SpectralStatistics?
    /// Candidate ranks and the energy captured there: of W S when whitened, else of W.
    public let candidateRanks: [Int]
    /// Energy fractions at `candidateRanks`.
    public let energyAtCandidates: [Double]
    /// Largest rank that still saves parameters, ⌊(mn − 1)/(m + n)⌋.
    public let breakEvenRank: Int
    /// Entropies (nats) of the normalised squared singular values at each cut of the TT-matrix
    /// form, when computed (`MatrixAnalysis.analyze(… ttOrder:)`).
    public let bondEntropies: [Double]?

    /// mn.
    public var parameterCount: Int { rows * columns }
    /// The spectrum that drives compression: whitened when available, else plain.
    public var driving: SpectralStatistics { whitened ?? plain }

    /// Parameters saved by the smallest rank that keeps `1 − tolerance` of the driving energy
    /// (0 when that rank is past break-even): the matrix's "compressible mass" at that tolerance.
    public func compressibleMass(tolerance: Double) -> Int {
        let k = driving.rank(capturing: 1 - tolerance)
        return Swift.max(0, rows * columns - k * (rows + columns))
    }

    /// Memberwise; `MatrixAnalysis.analyze` is the usual way to make one.
    public init(label: String, layer: Int?, kind: String?, rows: Int, columns: Int, plain: SpectralStatistics,
                whitened: SpectralStatistics?, candidateRanks: [Int], energyAtCandidates: [Double], breakEvenRank: Int,
                bondEntropies: [Double]?) {
        self.label = label; self.layer = layer; self.kind = kind; self.rows = rows; self.columns = columns
        self.plain = plain; self.whitened = whitened; self.candidateRanks = candidateRanks
        self.energyAtCandidates = energyAtCandidates; self.breakEvenRank = breakEvenRank; self.bondEntropies = bondEntropies
    }
}

/// The per-matrix row of the layer analysis is a `MatrixReport` (DESIGN.md calls it `LayerReport`).
public typealias LayerReport = MatrixReport
