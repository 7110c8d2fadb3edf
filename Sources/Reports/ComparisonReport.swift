import Foundation

/// Everything `allone-compress report` measured: the dense model, every method at every budget,
/// and the seed's claims each stated with the figure that supports or refutes it.
/// Rendered as `report.md`, a self-contained `report.html` and `report.json` (all figures).
public struct ComparisonReport: Codable, Sendable {
    /// One compressed model, measured.
    public struct Run: Codable, Sendable, Equatable {
        /// Method label: `svd`, `asvd`, `masvd`, `masvd+alloc`, `tt`, `q8_0`, `q4_0`, …
        public var method: String
        /// The requested fraction of linear-layer parameters removed.
        public var targetRatio: Double
        /// The fraction actually removed (parameters of the linear layers).
        public var fractionRemoved: Double
        /// Parameters of the whole model after compression.
        public var parameters: Int
        /// Bytes of the stored model (factors and dense tensors as stored).
        public var bytes: Int
        /// Perplexity on the evaluation text.
        public var perplexity: Double
        /// Mean negative log-likelihood (nats).
        public var meanNLL: Double
        /// Seconds spent compressing.
        public var compressSeconds: Double
        /// Matrices kept dense by the allocator.
        public var denseMatrices: Int
        /// Per-matrix kept-parameter fraction (1 = dense), in `ComparisonReport.matrixLabels` order; empty when not applicable.
        public var keptFractions: [Double]
        /// Head-specialization preserved (mean over attention projections), when measured.
        public var headSpecialization: Double?
        /// Free-form note (e.g. "byte budget matched by Q8_0 round trip").
        public var note: String?

        public init(method: String, targetRatio: Double, fractionRemoved: Double, parameters: Int, bytes: Int,
                    perplexity: Double, meanNLL: Double, compressSeconds: Double, denseMatrices: Int,
                    keptFractions: [Double] = [], headSpecialization: Double? = nil, note: String? = nil) {
            self.method = method; self.targetRatio = targetRatio; self.fractionRemoved = fractionRemoved
            self.parameters = parameters; self.bytes = bytes; self.perplexity = perplexity; self.meanNLL = meanNLL
            self.compressSeconds = compressSeconds; self.denseMatrices = denseMatrices; self.keptFractions = keptFractions
            self.headSpecialization = headSpecialization; self.note = note
        }
    }

    /// A claim of the seed, with what this run measured.
    public struct Claim: Codable, Sendable, Equatable {
        public enum Verdict: String, Codable, Sendable { case supported, refuted, inconclusive }
        public var id: String
        public var statement: String
        public var claimed: String
        public var measured: String
        public var verdict: Verdict
        public var detail: String
        public init(id: String, statement: String, claimed: String, measured: String, verdict: Verdict, detail: String) {
            self.id = id; self.statement = statement; self.claimed = claimed; self.measured = measured
            self.verdict = verdict; self.detail = detail
        }
    }

    public var toolVersion: String
    public var model: String
    public var modelSHA256: String
    public var calibrationText: String
    public var calibrationTokens: Int
    public var evaluationText: String
    public var evaluationTokens: Int
    public var context: Int
    public var threads: String
    public var denseParameters: Int
    public var denseLinearParameters: Int
    public var denseBytes: Int
    public var densePerplexity: Double
    public var ratios: [Double]
    public var runs: [Run]
    public var matrixLabels: [String]
    /// Per-layer mean normalised entropy and effective-rank ratio (from the analysis), layer 0 first.
    public var layerEntropy: [Double]
    public var layerEffectiveRank: [Double]
    public var layerZeroShare: Double
    /// Singular values of chosen matrices (label → σ), for the spectra plot.
    public var spectra: [String: [Double]]
    public var claims: [Claim]
    /// Wall-clock seconds of the whole report.
    public var seconds: Double

    public init(toolVersion: String, model: String, modelSHA256: String, calibrationText: String, calibrationTokens: Int,
                evaluationText: String, evaluationTokens: Int, context: Int, threads: String, denseParameters: Int,
                denseLinearParameters: Int, denseBytes: Int, densePerplexity: Double, ratios: [Double], runs: [Run],
                matrixLabels: [String], layerEntropy: [Double], layerEffectiveRank: [Double], layerZeroShare: Double,
                spectra: [String: [Double]], claims: [Claim], seconds: Double) {
        self.toolVersion = toolVersion; self.model = model; self.modelSHA256 = modelSHA256
        self.calibrationText = calibrationText; self.calibrationTokens = calibrationTokens
        self.evaluationText = evaluationText; self.evaluationTokens = evaluationTokens; self.context = context
        self.threads = threads; self.denseParameters = denseParameters; self.denseLinearParameters = denseLinearParameters
        self.denseBytes = denseBytes; self.densePerplexity = densePerplexity; self.ratios = ratios; self.runs = runs
        self.matrixLabels = matrixLabels; self.layerEntropy = layerEntropy; self.layerEffectiveRank = layerEffectiveRank
        self.layerZeroShare = layerZeroShare; self.spectra = spectra; self.claims = claims; self.seconds = seconds
    }
}
