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
        /// Bytes of the stored tensor data, as a compressed checkpoint with these options stores it:
        /// the factors and every dense tensor in `dtype` (1-D tensors in F32), or for the quantization
        /// references the ggml blocks of the block linear layers plus the other tensors in F16 (1-D F32).
        /// Excludes the safetensors header and manifest.
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
        /// Head-specialization preserved (docs/ANALYSIS.md), mean over every W_q and W_o of the
        /// compressed model (a matrix kept dense preserves it exactly: 1), when measured.
        public var headSpecialization: Double?
        /// Free-form note (e.g. "byte budget matched by Q8_0 round trip").
        public var note: String?
        /// Element type the factors and dense tensors are stored in (`F32`, `F16`, `BF16`), or the ggml
        /// block type of a quantization reference (`Q8_0`, `Q4_0`); nil in reports of earlier versions.
        public var dtype: String?
        /// The byte budget the run was planned under (`Compressor`'s `.bytes(N)`: the whole stored
        /// tensor data within N bytes), or nil for a ratio budget (`targetRatio`).
        public var byteBudget: Int?
        /// Of the block-linear parameters this run's plan removes, the fraction removed from layer 0
        /// (Σ_{layer 0} (mn − planned) / Σ (mn − planned)); nil when nothing was removed or not a plan.
        public var layerZeroRemovedShare: Double?

        public init(method: String, targetRatio: Double, fractionRemoved: Double, parameters: Int, bytes: Int,
                    perplexity: Double, meanNLL: Double, compressSeconds: Double, denseMatrices: Int,
                    keptFractions: [Double] = [], headSpecialization: Double? = nil, note: String? = nil,
                    dtype: String? = nil, byteBudget: Int? = nil, layerZeroRemovedShare: Double? = nil) {
            self.method = method; self.targetRatio = targetRatio; self.fractionRemoved = fractionRemoved
            self.parameters = parameters; self.bytes = bytes; self.perplexity = perplexity; self.meanNLL = meanNLL
            self.compressSeconds = compressSeconds; self.denseMatrices = denseMatrices; self.keptFractions = keptFractions
            self.headSpecialization = headSpecialization; self.note = note
            self.dtype = dtype; self.byteBudget = byteBudget; self.layerZeroRemovedShare = layerZeroRemovedShare
        }

        /// The label used in tables and plots: the method, with its stored type when not F32 and its byte
        /// budget when it has one (e.g. `masvd+best F16 @ 176,000,000 B`).
        public var label: String {
            var s = method
            if let d = dtype, d != "F32", !["q8_0", "q4_0"].contains(method) { s += " \(d)" }
            if let b = byteBudget { s += " @ \(b) B" }
            return s
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
    /// Layer 0's share of the compressible mass (the analysis proxy of claim (c): parameters saved when
    /// every matrix keeps 95% of its weight energy, dense past break-even). The direct figure — layer 0's
    /// share of the parameters a plan removed — is `Run.layerZeroRemovedShare`.
    public var layerZeroShare: Double
    /// Singular values of chosen matrices (label → σ), for the spectra plot.
    public var spectra: [String: [Double]]
    public var claims: [Claim]
    /// Wall-clock seconds of the whole report.
    public var seconds: Double
    /// Runs that failed and were left out (only equal-bytes runs may fail without failing the report), one line each.
    public var failures: [String]?

    public init(toolVersion: String, model: String, modelSHA256: String, calibrationText: String, calibrationTokens: Int,
                evaluationText: String, evaluationTokens: Int, context: Int, threads: String, denseParameters: Int,
                denseLinearParameters: Int, denseBytes: Int, densePerplexity: Double, ratios: [Double], runs: [Run],
                matrixLabels: [String], layerEntropy: [Double], layerEffectiveRank: [Double], layerZeroShare: Double,
                spectra: [String: [Double]], claims: [Claim], seconds: Double, failures: [String]? = nil) {
        self.toolVersion = toolVersion; self.model = model; self.modelSHA256 = modelSHA256
        self.calibrationText = calibrationText; self.calibrationTokens = calibrationTokens
        self.evaluationText = evaluationText; self.evaluationTokens = evaluationTokens; self.context = context
        self.threads = threads; self.denseParameters = denseParameters; self.denseLinearParameters = denseLinearParameters
        self.denseBytes = denseBytes; self.densePerplexity = densePerplexity; self.ratios = ratios; self.runs = runs
        self.matrixLabels = matrixLabels; self.layerEntropy = layerEntropy; self.layerEffectiveRank = layerEffectiveRank
        self.layerZeroShare = layerZeroShare; self.spectra = spectra; self.claims = claims; self.seconds = seconds
        self.failures = failures
    }
}
