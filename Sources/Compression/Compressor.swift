import Analysis
import Decomposition
import Foundation
import LinearAlgebra
import TensorCore
import WeightFormats

/// Compresses the block linear layers of any checkpoint under one global budget, one tensor at a
/// time, into a compressed checkpoint (docs/FORMAT.md).
///
/// The work is split so that a caller comparing several budgets or methods pays for each step once:
/// 1. `analyze(spectrum:progress:)` — pass 1: the singular values of every block linear matrix
///    (of W, of the whitened W·S with G = S Sᵀ, or of ASVD's W·diag(mean|x|)^α);
/// 2. `plan(_:options:)` — the rank allocation under the budget (`RankAllocator`: uniform, or
///    greedy water-filling on the predicted loss — "entropy" allocation), pure and cheap;
/// 3. `compressTensor(_:options:)` — pass 2 for one matrix, in memory: the factors as they will be
///    stored (rounded to the stored dtype), with predicted and measured error;
/// 4. `write(_:to:progress:)` — runs the plan tensor by tensor into a journal beside the output,
///    then assembles the safetensors (and optional zstd layer); resumable after a kill.
/// `compress(options:to:progress:)` does all four, reusing a journaled plan on resume.
///
/// Memory: one source tensor, its SVD and its factors at a time (plus, for `write`, one stored
/// tensor's bytes), never the model. Determinism: LAPACK SVDs with sign normalisation, no random
/// draws, sorted JSON — the same source, calibration and options give byte-identical files.
public final class Compressor: @unchecked Sendable {
    /// The checkpoint being compressed; read one tensor at a time, never modified.
    public let source: any WeightSource
    /// Statistics of the block linear layers' inputs; nil allows only data-free methods (`svd`, `tt`, and
    /// `auto`, which then ranks on the weight spectrum).
    public let calibration: CalibrationSet?
    /// SHA-256 of the source file (of the index file for a sharded checkpoint).
    public let sourceSHA256: String
    /// The block linear matrices (`TensorRole.Kind.isBlockLinear`, 2-D weights), in source order.
    public let linearTensors: [TensorInfo]

    /// When set, the whitening and Gram eigendecomposition of each matrix are kept and reused across
    /// plans of the same method (see `DecompositionCache`); results are identical with or without it.
    public var cache: DecompositionCache?

    /// Stops `write` with `.interrupted` after computing this many tensors (tests of resumption).
    var stopAfterComputed: Int? = nil

    /// Pass-1 masvd spectra kept for pass 2 when no `cache` is set (`compress` spills them beside
    /// the output); nil: pass 2 recomputes them.
    var spectra: _SpectrumStore? = nil
    /// Cholesky whitenings of the most recent calibration groups.
    let whitenings = _WhiteningCache()
    /// Tensors factored at the same time in pass 1 and pass 2 (default 1). `compress` and `write`
    /// always run OpenBLAS single-threaded inside (the total thread count is `workers`), so the
    /// output depends neither on this count nor on OPENBLAS_NUM_THREADS: each tensor's arithmetic
    /// is the same.
    public var workers: Int = 1

    /// The rank of every factored matrix when the plan is known before pass 1 (`compress` with uniform
    /// allocation, whose ranks depend on the shapes only; and every resumed run, whose plan is
    /// journaled): pass 1 then keeps exactly the singular vectors pass 2 uses (`keptVectors`). Empty:
    /// up to the break-even rank.
    var plannedRanks: [String: Int] = [:]

    /// Arithmetic of masvd's pass-1 Gram product (see `GramTruncation.GramPrecision`).
    var gramPrecision: GramTruncation.GramPrecision = .double

    /// The model and calibration tokens that `CompressionOptions.sequential` runs (see
    /// `Compressor+Sequential.swift`); without it a sequential compression is refused.
    public var sequentialCalibration: SequentialCalibration?

    /// Tensors already factorized (by the sequential pass), returned by `compressTensor` as they are.
    var precomputed: [String: CompressedTensor] = [:]

    /// The source's metadata as the output's `__metadata__` carries it (constant per source; computed
    /// once, `sourceMetadataEntries()`).
    let sourceMetadata = _KeyedCache<[String: String]>(capacity: 1)

    /// `checkDenseTensorsFinite` ran and passed (it runs once per compressor).
    var denseTensorsChecked = false
    /// The refusal of a source found to hold NaN/Inf, computed once (`nonFiniteRefusal()`).
    var nonFiniteError: CompressionError?
    let finiteLock = NSLock()

    /// Checks the architecture (a declared one must be in `supportedArchitectures`; at least one
    /// block linear weight) and hashes the source.
    public init(source: any WeightSource, calibration: CalibrationSet? = nil) throws {
        try Self.checkArchitecture(source)
        self.source = source
        self.calibration = calibration
        linearTensors = source.tensors.filter { t in
            guard let r = t.role, r.kind.isBlockLinear, !r.isBias else { return false }
            return t.shape.count == 2 && t.shape.allSatisfy { $0 > 0 }
        }
        guard !linearTensors.isEmpty else {
            throw CompressionError.unsupportedArchitecture(
                file: source.path, reason: "no transformer block linear layers (q/k/v/o, gate/up/down) among its \(source.tensors.count) tensors")
        }
        sourceSHA256 = try _fileSHA256(source.path)
    }

    // MARK: Checks

    /// The spectrum a method's allocation is driven by.
    public func spectrum(for options: CompressionOptions) -> CompressionAnalysis.Spectrum {
        switch options.method {
        case .svd, .tt: return .weight
        case .masvd: return .whitened
        case .asvd: return .scaled
        case .auto: return hasAllGrams() ? .whitened : .weight
        }
    }

    private func hasAllGrams() -> Bool {
        guard let c = calibration else { return false }
        return linearTensors.allSatisfy { c.shape(for: $0.name)?.gram == true }
    }

    /// Refuses options the source or calibration cannot serve: an invalid budget, a method needing
    /// statistics that are missing, calibration shorter than `minimumCalibrationTokens`, statistics
    /// whose dimension is not the layer's input.
    /// The tensors that are not factored (embeddings, norms, head) are checked to be finite here,
    /// before any output or journal exists (`checkDenseTensorsFinite`).
    public func check(_ options: CompressionOptions) throws {
        try options.validate()
        try checkDenseTensorsFinite()
        if let c = calibration {
            guard c.tokens >= options.minimumCalibrationTokens else {
                throw CompressionError.calibrationTooShort(file: c.origin, tokens: c.tokens, minimum: options.minimumCalibrationTokens)
            }
            for t in linearTensors {
                if let s = c.shape(for: t.name), s.dimension != t.shape[1] {
                    throw CompressionError.invalidStatistics(file: c.origin, field: t.name,
                                                             reason: "statistics of dimension \(s.dimension), the layer has \(t.shape[1]) inputs")
                }
            }
        }
        for t in linearTensors {
            let s = calibration?.shape(for: t.name)
            if options.method.needsGram, s?.gram != true {
                throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: t.name,
                                                          reason: "method masvd needs the Gram matrix of its inputs (--stats or --calibration)")
            }
            if options.method.needsMeanAbsolute, s?.meanAbsolute != true {
                throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: t.name,
                                                          reason: "method asvd needs mean |x| of its inputs (--stats or --calibration)")
            }
        }
    }

    /// Refuses, before any work, an output that is the input file, that cannot be written
    /// (`AtomicFile.checkDestination`: an existing folder, a missing or read-only folder), or whose
    /// journal path `path.journal` exists and is not a folder.
    public func checkOutput(_ path: String) throws {
        if path == source.path || _sameFile(path, source.path) { throw CompressionError.outputIsInput(file: path) }
        try AtomicFile.checkDestination(path)
        var isDir: ObjCBool = false
        let journal = CompressionJournal.directory(for: path)
        if FileManager.default.fileExists(atPath: journal, isDirectory: &isDir), !isDir.boolValue {
            throw CompressionError.journal(path: journal, reason: "exists and is not a folder")
        }
    }

    // MARK: Pass 1

    /// The spectrum of every block linear matrix; every tensor of the source is also checked to
    /// be finite (NaN/Inf is refused naming every such tensor: `CompressionError.nonFiniteTensors`).
    /// `shrinkage` is applied to every Gram matrix before whitening (see `GramShrinkage`).
    public func analyze(spectrum: CompressionAnalysis.Spectrum, asvdAlpha: Double = 0.5, shrinkage: GramShrinkage = .none,
                        progress: ProgressReporter? = nil) throws -> CompressionAnalysis {
        let linearNames = Set(linearTensors.map(\.name))
        let total = source.tensors.count
        try checkDenseTensorsFinite()  // once per compressor; the block linear matrices are checked as they load
        // The block linear matrices, `workers` at a time; results in source order.
        let linear = source.tensors.filter { linearNames.contains($0.name) }
        var results = [CompressionAnalysis.Matrix?](repeating: nil, count: linear.count)
        let resultLock = NSLock()
        var done = 0
        try _forEach(linear.count, workers: workers) { j in
            let t = linear[j]
            let m = try spectrumMatrix(t, spectrum: spectrum, asvdAlpha: asvdAlpha, shrinkage: shrinkage)
            resultLock.lock(); defer { resultLock.unlock() }
            results[j] = m
            done += 1
            progress?.update(completed: total - linear.count + done, total: total, label: "spectrum " + t.name)
        }
        progress?.update(completed: total, total: total, label: "spectra done")
        return CompressionAnalysis(spectrum: spectrum, matrices: results.compactMap { $0 })
    }

    /// Pass 1 for one block linear matrix: its spectrum of kind `spectrum`.
    private func spectrumMatrix(_ t: TensorInfo, spectrum: CompressionAnalysis.Spectrum, asvdAlpha: Double, shrinkage: GramShrinkage) throws -> CompressionAnalysis.Matrix {
        do {
            let tensor = try loadFinite(t.name)
            let w = try _matrix(tensor, t.name)
            let sigma: [Double]
            do {
                switch spectrum {
                case .weight:
                    sigma = try Self.singularValues(w.converted(to: Double.self))
                case .whitened:
                    // masvd's pass 1, kept for pass 2 (`weightedSpectrum`); one Cholesky per calibration group.
                    sigma = try weightedSpectrum(t.name, w, keep: keptVectors(t.name, rows: w.rows, columns: w.columns), shrinkage: shrinkage) {
                        let c = try cholesky(for: t.name, dimension: w.columns, shrinkage: shrinkage); return (c.lower, c.whitening.shift)
                    }.singularValues
                case .scaled:
                    guard let stats = try calibration?.loadStatistics(for: t.name) else {
                        throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: t.name,
                                                                  reason: "a \(spectrum.rawValue) spectrum needs calibration statistics")
                    }
                    guard stats.inputDimension == w.columns else {
                        throw CompressionError.invalidStatistics(file: calibration?.origin ?? source.path, field: t.name,
                                                                 reason: "statistics of dimension \(stats.inputDimension), the layer has \(w.columns) inputs")
                    }
                    let s: InputWhitening
                    if spectrum == .whitened {
                        guard let g = stats.gram else {
                            throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: t.name, reason: "no Gram matrix")
                        }
                        s = try InputWhitening.cholesky(gram: shrinkage.apply(g))
                    } else {
                        guard let v = stats.meanAbsolute else {
                            throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: t.name, reason: "no mean |x|")
                        }
                        s = try InputWhitening.diagonal(meanAbsolute: v, alpha: asvdAlpha)
                    }
                    sigma = try Self.singularValues(try s.applyRight(w.converted(to: Double.self)))
                }
            } catch let e as CompressionError { throw e } catch {
                throw CompressionError.factorization(file: source.path, tensor: t.name, reason: "\(error)")
            }
            return .init(name: t.name, rows: w.rows, columns: w.columns, singularValues: sigma, originalType: t.storage.description)
        }
    }

    /// All min(m, n) singular values of `m`, non-increasing, as the square roots of the eigenvalues
    /// of the smaller Gram matrix (MᵀM or MMᵀ, Float64), clamped at 0. Cheaper than an SVD with
    /// vectors; absolute error about ε·σ₁² in σᵢ², far below what the allocation's energy tails resolve.
    public static func singularValues(_ m: Matrix<Double>) throws -> [Double] {
        let g = m.rows >= m.columns ? try m.multiplied(by: m, transposeSelf: true) : try m.multiplied(by: m, transposeOther: true)
        let e = try SymmetricEigendecomposition(g).eigenvalues
        return e.map { Swift.max($0, 0).squareRoot() }.sorted(by: >)
    }

    // MARK: Planning

    /// Allocates ranks under `options.budget` from `analysis` (no weights are read).
    /// `.ratio(r)` removes at least the fraction r of the block linear parameters; `.bytes(N)`
    /// keeps all stored tensor data (kept tensors included) within N bytes.
    public func plan(_ analysis: CompressionAnalysis, options: CompressionOptions) throws -> CompressionPlan {
        try options.validate()
        let importance = try allocationImportance(analysis, loss: options.allocationLoss)
        let descriptors: [MatrixDescriptor]
        do {
            descriptors = try analysis.matrices.enumerated().map { i, m in
                try MatrixDescriptor(label: m.name, rows: m.rows, columns: m.columns, singularValues: m.singularValues,
                                     importance: importance[i], floorRank: Self.floorRank(rows: m.rows, columns: m.columns, keptFraction: options.minimumKeptFraction),
                                     allowDense: options.allowDense)
            }
        } catch { throw CompressionError.invalidBudget("\(error)") }
        let budget: AllocationBudget
        switch options.budget {
        case let .ratio(r): budget = .fractionRemoved(r)
        case let .bytes(n):
            let linear = Set(analysis.matrices.map(\.name))
            let kept = source.tensors.filter { !linear.contains($0.name) }
                .reduce(0) { $0 + $1.elementCount * ($1.shape.count < 2 ? 4 : options.dtype.byteSize) }
            guard n > kept else {
                throw CompressionError.invalidBudget("\(n) bytes cannot hold even the \(kept) bytes of the tensors kept dense")
            }
            budget = .bytes(n - kept, bytesPerParameter: options.dtype.byteSize)
        }
        let allocation: AllocationPlan
        do {
            allocation = try RankAllocator.allocate(descriptors, budget: budget, strategy: options.allocation,
                                                    normalization: options.allocationLoss == .absoluteEnergy ? .absoluteEnergy : .relativeEnergy)
        } catch {
            throw CompressionError.invalidBudget("\(error)")
        }
        var items: [CompressionPlan.Item] = []
        for (i, m) in analysis.matrices.enumerated() {
            let choice = allocation.choices[i]
            var cap: Int? = nil
            var planned = choice.parameters(rows: m.rows, columns: m.columns)
            if case let .lowRank(k) = choice, options.method == .tt || options.method == .auto {
                let c = Self.largestTTCap(rows: m.rows, columns: m.columns, order: options.ttOrder, maxParameters: k * (m.rows + m.columns))
                cap = c
                if options.method == .tt { planned = Self.ttParameters(rows: m.rows, columns: m.columns, order: options.ttOrder, cap: c) }
            }
            items.append(.init(name: m.name, rows: m.rows, columns: m.columns, choice: choice, ttCap: cap, plannedParameters: planned))
        }
        return CompressionPlan(options: options, spectrum: analysis.spectrum, items: items, allocation: allocation)
    }

    /// The smallest rank keeping at least the fraction f of an m×n matrix's parameters:
    /// ⌈f·mn/(m + n)⌉, clamped to 1…min(m, n).
    public static func floorRank(rows m: Int, columns n: Int, keptFraction f: Double) -> Int {
        let k = Int((f * Double(m * n) / Double(m + n)).rounded(.up))
        return Swift.max(1, Swift.min(k, Swift.min(m, n)))
    }

    /// Parameters of the TT-matrix TT-SVD builds for an m×n matrix with every bond rank capped at
    /// `cap`: with modes s_k = m_k n_k (`TensorTrainMatrix.factorShape`), r_k = min(cap,
    /// r_{k−1} s_k, ∏_{l>k} s_l), total Σ r_{k−1} s_k r_k.
    public static func ttParameters(rows: Int, columns: Int, order: Int, cap: Int) -> Int {
        let mf = TensorTrainMatrix.factorShape(rows, order: order), nf = TensorTrainMatrix.factorShape(columns, order: order)
        let s = zip(mf, nf).map { $0 * $1 }
        var r = 1, total = 0
        for k in 0..<s.count {
            let rest = s[(k + 1)...].reduce(1) { min($0 * $1, 1 << 40) }
            let next = k == s.count - 1 ? 1 : max(1, min(cap, r * s[k], rest))
            total += r * s[k] * next
            r = next
        }
        return total
    }

    /// The largest bond-rank cap whose train stores at most `maxParameters` (1 when none does).
    public static func largestTTCap(rows: Int, columns: Int, order: Int, maxParameters: Int) -> Int {
        var lo = 1, hi = max(rows, columns) * max(rows, columns)
        guard ttParameters(rows: rows, columns: columns, order: order, cap: 1) <= maxParameters else { return 1 }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if ttParameters(rows: rows, columns: columns, order: order, cap: mid) <= maxParameters { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    // MARK: Pass 2

    /// Factorizes one planned matrix in memory, exactly as `write` stores it. For `auto`, every
    /// candidate the statistics allow is built at the planned parameter count and the one with the
    /// lowest measured error is kept (ties: svd, masvd, asvd, tt).
    public func compressTensor(_ item: CompressionPlan.Item, options: CompressionOptions) throws -> CompressedTensor {
        if let done = precomputed[item.name] { return done }
        let info = source.info(item.name)
        let originalType = info?.storage.description ?? "F32"
        let w = try _matrix(try loadFinite(item.name), item.name)
        guard case let .lowRank(k) = item.choice else {
            return try denseTensor(name: item.name, tensor: w.tensor, originalType: originalType, dtype: options.dtype)
        }
        // masvd alone reads its statistics through the per-group whitening cache (`masvdGram(for:)`),
        // which applies the shrinkage itself.
        let stats = options.method == .masvd ? nil : try shrunk(try calibration?.loadStatistics(for: item.name), options.shrinkage)
        var kinds: [CompressionMethod]
        switch options.method {
        case .auto:
            kinds = [.svd]
            if stats?.gram != nil { kinds.append(.masvd) }
            if stats?.meanAbsolute != nil { kinds.append(.asvd) }
            kinds.append(.tt)
        default: kinds = [options.method]
        }
        var best: CompressedTensor? = nil
        for kind in kinds {
            let c: CompressedTensor
            do {
                c = try factor(kind, w: w, name: item.name, originalType: originalType, rank: k,
                               cap: item.ttCap ?? Self.largestTTCap(rows: w.rows, columns: w.columns, order: options.ttOrder, maxParameters: k * (w.rows + w.columns)),
                               stats: stats, options: options)
            } catch let e as CompressionError { throw e } catch {
                throw CompressionError.factorization(file: source.path, tensor: item.name, reason: "\(error)")
            }
            if best == nil || (c.entry.measuredError ?? .infinity) < (best?.entry.measuredError ?? .infinity) { best = c }
        }
        guard let chosen = best else { throw CompressionError.factorization(file: source.path, tensor: item.name, reason: "no candidate") }
        return chosen
    }

    private func factor(_ kind: CompressionMethod, w: Matrix<Float>, name: String, originalType: String, rank k: Int, cap: Int,
                        stats: CalibrationStatistics?, options: CompressionOptions) throws -> CompressedTensor {
        let dtype = options.dtype
        switch kind {
        case .tt:
            let caps = [Int](repeating: cap, count: options.ttOrder - 1)
            let tt = try TensorTrainMatrix.decompose(w, truncation: .maxRanks(caps), order: options.ttOrder)
            var parts: [CompressedTensor.Part] = []
            var cores: [[Float]] = []
            for (i, core) in tt.train.cores.enumerated() {
                let shape = [tt.train.ranks[i], tt.rowFactors[i], tt.columnFactors[i], tt.train.ranks[i + 1]]
                let bytes = StoredCodec.encode(core, as: dtype)
                parts.append(.init(name: "\(name).tt.\(i)", dtype: dtype, shape: shape, bytes: bytes))
                cores.append(bytes.withUnsafeBytes { StoredCodec.decode($0, as: dtype) ?? [] })
            }
            let train = try TensorTrain(shape: tt.train.shape, ranks: tt.train.ranks, cores: cores)
            let stored = try TensorTrainMatrix(rows: w.rows, columns: w.columns, rowFactors: tt.rowFactors,
                                               columnFactors: tt.columnFactors, train: train)
            let norm = w.frobeniusNorm
            let predicted = norm > 0 ? tt.train.discardedEnergy.squareRoot() / norm : 0
            let (measured, metric) = try measure(w, try stored.contracted(), stats)
            let entry = CompressionManifest.Entry(
                name: name, layout: "tt", method: "tt", ttRanks: tt.train.ranks, ttRowFactors: tt.rowFactors,
                ttColumnFactors: tt.columnFactors, originalShape: [w.rows, w.columns], originalType: originalType,
                stored: parts.map { .init(name: $0.name, dtype: dtype.rawValue, shape: $0.shape, sha256: SHA256.hex($0.bytes)) },
                predictedError: predicted, predictedErrorMetric: "weight", measuredError: measured, measuredErrorMetric: metric)
            return CompressedTensor(entry: entry, parts: parts, lowRank: nil, tensorTrain: stored)
        case .masvd:
            return try measurementAwareTensor(w, name: name, originalType: originalType, rank: k, options: options)
        default:
            let factors: LowRankFactors, predicted: Double, predictedMetric: String, method: String
            // Truncated SVD of W·S (S = I for svd) through the Gram eigendecomposition (`GramTruncation`):
            // the same optimum as TruncatedSVD / MeasurementAwareSVD at about half the cost. With a
            // `cache`, the whitening and the eigendecomposition are computed once per matrix and method.
            switch kind {
            case .masvd, .asvd:
                predictedMetric = kind == .asvd ? "scaled" : "output"
                method = kind == .asvd ? "asvd" : (options.refit ? "masvd-refit" : "masvd")
            default:
                predictedMetric = "weight"
                method = "svd"
            }
            let wd = w.converted(to: Double.self)
            let key = "\(name)|\(kind.rawValue)|\(options.asvdAlpha)|\(options.shrinkage.label)"
            let (whitening, prepared) = try cache?.truncation(key) ?? {
                var whitening: InputWhitening? = nil
                switch kind {
                case .masvd, .asvd:
                    guard let s = stats else {
                        throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: name, reason: "\(kind.rawValue) needs statistics")
                    }
                    if kind == .asvd {
                        guard let v = s.meanAbsolute else { throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: name, reason: "no mean |x|") }
                        whitening = try InputWhitening.diagonal(meanAbsolute: v, alpha: options.asvdAlpha)
                    } else {
                        guard let g = s.gram else { throw CompressionError.missingCalibration(file: calibration?.origin ?? source.path, tensor: name, reason: "no Gram matrix") }
                        whitening = try InputWhitening.cholesky(gram: g)
                    }
                default: break
                }
                let made = (whitening, try GramTruncation.prepare(try whitening?.applyRight(wd) ?? wd))
                cache?.store(key, made)
                return made
            }()
            let target = prepared.matrix
            let whitenedTarget: Matrix<Double>? = whitening == nil ? nil : target
            let t = try GramTruncation.factor(prepared, rank: k)
            var left = t.a
            let right = try whitening?.solveRight(t.b) ?? t.b
            if kind == .masvd, options.refit, let g = stats?.gram {
                left = try LeastSquaresRefit.refitLeft(weight: wd, right: right, gram: g)
            }
            factors = try LowRankFactors(a: left.converted(to: Float.self), b: right.converted(to: Float.self))
            let total = t.singularValues.reduce(0) { $0 + $1 * $1 }
            let tail = t.singularValues.dropFirst(k).reduce(0) { $0 + $1 * $1 }
            predicted = total > 0 ? (tail / total).squareRoot() : 0
            let aBytes = StoredCodec.encode(factors.a.values, as: dtype), bBytes = StoredCodec.encode(factors.b.values, as: dtype)
            let a = try Matrix<Float>(rows: factors.rows, columns: k, values: aBytes.withUnsafeBytes { StoredCodec.decode($0, as: dtype) ?? [] })
            let b = try Matrix<Float>(rows: k, columns: factors.columns, values: bBytes.withUnsafeBytes { StoredCodec.decode($0, as: dtype) ?? [] })
            let stored = try LowRankFactors(a: a, b: b)
            let measuredPair: (Double, String)
            if kind == .masvd, let wl = whitenedTarget, case let .cholesky(l, shift)? = whitening, shift == 0 {
                // G = L Lᵀ exactly: tr(E G Eᵀ) = ‖W L − A_s (B_s L)‖², tr(W G Wᵀ) = ‖W L‖² — k n² + m k n
                // flops instead of two m n² products.
                let bl = try stored.b.converted(to: Double.self).multiplied(by: l)
                let approx = try stored.a.converted(to: Double.self).multiplied(by: bl)
                let den = wl.values.reduce(0) { $0 + $1 * $1 }
                var num = 0.0
                for i in 0..<wl.values.count { let d = wl.values[i] - approx.values[i]; num += d * d }
                measuredPair = (den > 0 ? (num / den).squareRoot() : 0, "output")
            } else {
                measuredPair = try measure(w, try stored.reconstructed(), stats)
            }
            let (measured, metric) = measuredPair
            return CompressedTensor.lowRank(name: name, stored: stored, aBytes: aBytes, bBytes: bBytes, dtype: dtype,
                                            method: method, originalShape: [w.rows, w.columns], originalType: originalType,
                                            predicted: predicted, predictedMetric: predictedMetric, measured: measured, measuredMetric: metric)
        }
    }

    /// Relative error of `approx`: on calibration inputs, `√(tr(E G Eᵀ) / tr(W G Wᵀ))` with
    /// E = W − Ŵ ("output") when the Gram matrix is known; otherwise `‖E‖_F / ‖W‖_F` ("weight").
    func measure(_ w: Matrix<Float>, _ approx: Matrix<Float>, _ stats: CalibrationStatistics?) throws -> (Double, String) {
        let e = try w.subtracting(approx)
        if let g = stats?.gram, g.rows == w.columns {
            let ed = e.converted(to: Double.self), wd = w.converted(to: Double.self)
            let eg = try ed.multiplied(by: g), wg = try wd.multiplied(by: g)
            var num = 0.0, den = 0.0
            for i in 0..<ed.values.count { num += eg.values[i] * ed.values[i]; den += wg.values[i] * wd.values[i] }
            return (den > 0 ? (max(num, 0) / den).squareRoot() : 0, "output")
        }
        let n = w.frobeniusNorm
        return (n > 0 ? e.frobeniusNorm / n : 0, "weight")
    }

    /// The stored type of a tensor kept dense: `dtype`, but F32 for 1-D tensors (norms, biases).
    static func denseStoredType(_ shape: [Int], _ dtype: DType) -> DType { shape.count < 2 ? .f32 : dtype }

    /// A tensor kept dense: stored as `dtype` (F32 for 1-D tensors).
    func denseTensor(name: String, tensor: Tensor, originalType: String, dtype: DType) throws -> CompressedTensor {
        let d = Self.denseStoredType(tensor.shape, dtype)
        let bytes = StoredCodec.encode(tensor.storage, as: d)
        let entry = CompressionManifest.Entry(name: name, layout: "dense", method: "dense", originalShape: tensor.shape, originalType: originalType,
                                              stored: [.init(name: name, dtype: d.rawValue, shape: tensor.shape, sha256: SHA256.hex(bytes))])
        return CompressedTensor(entry: entry, parts: [.init(name: name, dtype: d, shape: tensor.shape, bytes: bytes)], lowRank: nil, tensorTrain: nil)
    }

    /// The manifest entry of a tensor kept dense, hashing its stored bytes without a second copy for F32.
    func denseEntry(name: String, tensor: Tensor, originalType: String, dtype: DType) throws -> CompressionManifest.Entry {
        let d = Self.denseStoredType(tensor.shape, dtype)
        let sha = d == .f32 ? tensor.storage.withUnsafeBytes { SHA256.hex($0) } : SHA256.hex(StoredCodec.encode(tensor.storage, as: d))
        return CompressionManifest.Entry(name: name, layout: "dense", method: "dense", originalShape: tensor.shape, originalType: originalType,
                                         stored: [.init(name: name, dtype: d.rawValue, shape: tensor.shape, sha256: sha)])
    }

    func loadFinite(_ name: String) throws -> Tensor {
        let t = try source.float32(name)
        if t.firstNonFiniteIndex() != nil { throw nonFiniteRefusal() }
        return t
    }

    func _matrix(_ t: Tensor, _ name: String) throws -> Matrix<Float> {
        guard t.shape.count == 2 else {
            throw CompressionError.factorization(file: source.path, tensor: name, reason: "shape \(t.shape) is not a matrix")
        }
        return try Matrix<Float>(rows: t.shape[0], columns: t.shape[1], values: t.storage)
    }
}

func _sameFile(_ a: String, _ b: String) -> Bool {
    guard let ra = realpath(a, nil) else { return false }
    defer { free(ra) }
    guard let rb = realpath(b, nil) else { return false }
    defer { free(rb) }
    return strcmp(ra, rb) == 0
}
