import Foundation

/// Everything `allone-compress report` measured: the dense model, every method at every budget,
/// and the seed's claims each stated with the figure that supports or refutes it.
/// Rendered as `report.md`, a self-contained `report.html` and `report.json` (all figures).
/// report.json is the synthesized `Codable` encoding (`json()`): every stored property is the key of the
/// same name (sorted keys; each `Run` under `runs`, each `Claim` under `claims`), nil optionals are
/// omitted, and non-finite numbers are written as the strings `inf`, `-inf` and `nan`.
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

        /// Memberwise: every figure as measured (see each property); those not measured for a run keep their
        /// defaults (empty `keptFractions`, nil for the optionals, which report.json then omits).
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
        /// What the measurement says about the claim, encoded in report.json as its raw string. For the claims
        /// judged per budget ((a), (c) direct, (d)): `supported` when the claimed figure is met at every ratio
        /// budget, `refuted` at none, `inconclusive` otherwise, when not measured, or (a) when the verdict
        /// changes at equal fraction removed. (b) is one figure: supported when ≥ 32.3%, refuted below, and
        /// inconclusive when no method holds quality at a measured budget. docs/REPORT.md gives each rule.
        public enum Verdict: String, Codable, Sendable { case supported, refuted, inconclusive }
        /// The claim's letter in docs/REPORT.md: `a`, `b`, `c` or `d` (report.json key `id`).
        public var id: String
        /// The claim in words, as the seed states it (with this run's tolerance where it has one).
        public var statement: String
        /// The seed's figure, as text (e.g. `96.8% lower increase`, `32.3% more`, `49–97% of the compression in layer 0`, `3.93×`).
        public var claimed: String
        /// What this report measured, as text, per budget where the claim is judged per budget (`not measured` when absent).
        public var measured: String
        /// The verdict computed by `ClaimEvaluator` from the ratio-budget runs (never from equal-bytes runs).
        public var verdict: Verdict
        /// How the verdict was reached: the per-budget figures, the runs compared and their actual fractions removed.
        public var detail: String
        /// Memberwise.
        public init(id: String, statement: String, claimed: String, measured: String, verdict: Verdict, detail: String) {
            self.id = id; self.statement = statement; self.claimed = claimed; self.measured = measured
            self.verdict = verdict; self.detail = detail
        }
    }

    /// `AlloneVersion.string` of the tool that produced the report (report.json key `toolVersion`).
    public var toolVersion: String
    /// Path of the dense checkpoint, as given on the command line.
    public var model: String
    /// SHA-256 (hex) of the dense checkpoint file, the same digest `compress` writes into its manifest.
    public var modelSHA256: String
    /// Path of the calibration text (Gram matrices and mean |x| are recorded on it), as given.
    public var calibrationText: String
    /// Tokens of the calibration text actually recorded (at most `--calibration-tokens`).
    public var calibrationTokens: Int
    /// Path of the evaluation text every perplexity is measured on, as given; never the calibration text.
    public var evaluationText: String
    /// Evaluation tokens scored (one prediction each) in every perplexity (at most `--eval-tokens`, at least `ReportRunner.minimumEvaluationTokens`).
    public var evaluationTokens: Int
    /// Context length of the perplexity windows (`--ctx`; windows of `context − 1` tokens after BOS, docs/EVALUATION.md).
    public var context: Int
    /// OpenBLAS threading the figures were measured under: `OPENBLAS_NUM_THREADS=N`, or `OpenBLAS default` when unset.
    public var threads: String
    /// Parameters of the whole dense model (every tensor, embeddings and norms included).
    public var denseParameters: Int
    /// Parameters of the block linear layers only: the denominator of every run's `fractionRemoved`.
    public var denseLinearParameters: Int
    /// Bytes of the dense model's tensor data stored in F32 (4 × `denseParameters`), whatever the source file's type.
    public var denseBytes: Int
    /// Perplexity of the dense model on the evaluation text: the reference of every run and claim.
    public var densePerplexity: Double
    /// The ratio budgets requested (fractions of block-linear parameters removed, each in (0, 1)).
    public var ratios: [Double]
    /// Every run measured: ratio budgets, quantization references and equal-bytes runs, in the order run.
    public var runs: [Run]
    /// Tensor names of the block linear matrices, in checkpoint order: the index of `Run.keptFractions`.
    public var matrixLabels: [String]
    /// Per-layer mean normalised entropy and effective-rank ratio (from the analysis), layer 0 first.
    public var layerEntropy: [Double]
    /// Per-layer mean effective-rank ratio (effective rank / min(m, n), 0…1) of the weight spectra, layer 0 first.
    public var layerEffectiveRank: [Double]
    /// Layer 0's share of the compressible mass (the analysis proxy of claim (c): parameters saved when
    /// every matrix keeps 95% of its weight energy, dense past break-even). The direct figure — layer 0's
    /// share of the parameters a plan removed — is `Run.layerZeroRemovedShare`.
    public var layerZeroShare: Double
    /// Singular values of chosen matrices (label → σ), for the spectra plot.
    public var spectra: [String: [Double]]
    /// The verdicts on claims (a)–(d), in that order, as `ClaimEvaluator` computed them.
    public var claims: [Claim]
    /// Wall-clock seconds of the whole report.
    public var seconds: Double
    /// Runs that failed and were left out (only equal-bytes runs may fail without failing the report), one line each.
    public var failures: [String]?

    /// Memberwise; `ReportRunner.run` fills it.
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
