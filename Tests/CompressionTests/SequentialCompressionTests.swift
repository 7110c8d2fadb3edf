import Foundation
import Analysis
import LinearAlgebra
import TensorCore
import Decomposition
import Testing
import TestSupport
import WeightFormats
import ReferenceLM
@testable import Compression

/// Sequential calibration, Gram shrinkage and the residual-stream allocation loss.
@Suite struct SequentialCompressionTests {
    let dir = TestPaths.temporaryDirectory("sequential")

    /// The synthetic checkpoint as a runnable model, with in-process calibration on a seeded token stream.
    func syntheticSetup(tokens count: Int = 600, context: Int = 16) throws -> (Compressor, SequentialCalibration, CalibrationSet) {
        let path = try SyntheticModel.write(to: dir)
        let source = try Checkpoints.open(path)
        let config = LlamaConfig(dim: SyntheticModel.dim, hiddenDim: SyntheticModel.hidden, layerCount: 2, headCount: 4, kvHeadCount: 2,
                                 vocabSize: SyntheticModel.vocab, contextLength: 64, ropeLayout: .rotateHalf)
        let model = try LlamaModel(source: source, config: config)
        var rng = SplitMix64(seed: 5)
        let tokens = (0..<count).map { _ in 1 + Int(rng.next() % UInt64(SyntheticModel.vocab - 1)) }
        let recorder = ActivationRecorder()
        try Calibration.run(model: model, tokens: tokens, bos: 0, context: context, maxTokens: count, recorder: recorder)
        let cal = try CalibrationSet(recorder: recorder, tokens: count, textSHA256: nil, origin: "synthetic")
        let c = try Compressor(source: source, calibration: cal)
        let sc = try SequentialCalibration(model: model, tokens: tokens, bos: 0, context: context)
        c.sequentialCalibration = sc
        return (c, sc, cal)
    }

    static func product(_ t: CompressedTensor) throws -> [Float] { try #require(t.lowRank).reconstructed().values }

    /// Paired statistics that overflowed (an extreme budget upstream): the matrix falls back to the
    /// one-shot masvd tensor (same bytes as `compressTensor` without sequential, metric "output")
    /// instead of failing the whole run; finite statistics still give the sequential tensor.
    @Test func nonFiniteSequentialStatisticsFallBackToOneShot() throws {
        let (c, _, _) = try syntheticSetup()
        let options = CompressionOptions(method: .masvd, budget: .ratio(0.3), sequential: true)
        let plan = try c.plan(try c.analyze(spectrum: .whitened), options: options)
        let item = try #require(plan.items.first { if case .lowRank = $0.choice { return true } else { return false } })
        guard case let .lowRank(k) = item.choice else { return }
        let n = item.columns, rows = 8
        var rng = SplitMix64(seed: 11)
        let x = (0..<(rows * n)).map { _ in Float(rng.nextUnit() - 0.5) }
        var y = x
        y[3] = .infinity
        var bad = CrossActivationStatistics(width: n)
        try bad.add(original: x, compressed: y, rows: rows)
        var oneShotOptions = options
        oneShotOptions.sequential = false
        let expected = try c.compressTensor(item, options: oneShotOptions)
        let got = try c.sequentialOrOneShotTensor(item, rank: k, statistics: bad, options: options)
        #expect(got.entry == expected.entry && got.entry.measuredErrorMetric == "output")
        var good = CrossActivationStatistics(width: n)
        try good.add(original: x, compressed: x, rows: rows)
        #expect(try c.sequentialOrOneShotTensor(item, rank: k, statistics: good, options: options).entry.measuredErrorMetric == "output-sequential")
    }

    @Test(arguments: [GramShrinkage.none, .identity(0.05), .diagonal(0.2)])
    func withNothingCompressedUpstreamSequentialEqualsOneShot(shrinkage: GramShrinkage) throws {
        let (c, _, _) = try syntheticSetup()
        let options = CompressionOptions(method: .masvd, budget: .ratio(0.3), shrinkage: shrinkage)
        let plan = try c.plan(try c.analyze(spectrum: .whitened, shrinkage: shrinkage), options: options)
        var seqOptions = options
        seqOptions.sequential = true
        let sequential = try c.sequentialFactors(try c.plan(try c.analyze(spectrum: .whitened, shrinkage: shrinkage), options: seqOptions))
        var checked = 0
        for item in plan.items where item.name.hasPrefix("model.layers.0.") {
            guard case .lowRank = item.choice else { continue }
            let oneShot = try Self.product(try c.compressTensor(item, options: options))
            let seq = try Self.product(try #require(sequential[item.name]))
            #expect(Approximate.relativeError(seq, oneShot) <= 1e-6, "\(item.name)")
            checked += 1
        }
        #expect(checked == 7)
        // Downstream blocks see the compressed stream: their factors differ from one-shot's.
        let later = try #require(plan.items.first { $0.name.hasPrefix("model.layers.1.") && $0.choice != .dense })
        let d = Approximate.relativeError(try Self.product(try #require(sequential[later.name])),
                                          try Self.product(try c.compressTensor(later, options: options)))
        #expect(d > 1e-4)
    }

    @Test func sequentialErrorsAreThePairedOutputErrorsAndCompressWritesThem() throws {
        let (c, sc, _) = try syntheticSetup()
        let options = CompressionOptions(method: .masvd, budget: .ratio(0.3), sequential: true)
        let r = try c.compress(options: options, to: dir.appendingPathComponent("seq.safetensors").path)
        let checkpoint = try CompressedCheckpoint(path: r.path)
        #expect(try checkpoint.verify().mismatches.isEmpty)
        let lowRank = r.manifest.tensors.filter { $0.layout == "lowrank" }
        #expect(!lowRank.isEmpty)
        #expect(lowRank.allSatisfy { $0.measuredErrorMetric == "output-sequential" })
        #expect(r.manifest.sequential == true && r.manifest.shrinkage == nil && r.manifest.allocationLoss == nil)
        #expect(checkpoint.manifest.sequential == true)
        // Recompute layer 1's attn_output error directly: ‖X Wᵀ − Y Ŵᵀ‖ / ‖X Wᵀ‖ over the windows.
        let name = "model.layers.1.self_attn.o_proj.weight"
        guard let e = lowRank.first(where: { $0.name == name }) else { return }
        let compressed = try sc.model.replacingLinears(with: checkpoint)
        var num = 0.0, den = 0.0
        for window in sc.windows {
            var x = try sc.model.embedding(window), y = x
            try sc.model.runBlock(0, residual: &x, rows: window.count)
            try compressed.runBlock(0, residual: &y, rows: window.count)
            var ax: [Float] = [], ay: [Float] = []
            var xx = x, yy = y
            try sc.model.runBlock(1, residual: &xx, rows: window.count) { s, v in if s == .attentionOutputInput { ax = v } }
            try sc.model.runBlock(1, residual: &yy, rows: window.count) { s, v in if s == .attentionOutputInput { ay = v } }
            let ox = try sc.model.blocks[1].attnOutput.apply(ax, rows: window.count)
            let oy = try compressed.blocks[1].attnOutput.apply(ay, rows: window.count)
            for i in ox.indices {
                let xi = Double(ox[i]), d = xi - Double(oy[i])
                num += d * d
                den += xi * xi
            }
        }
        #expect(abs((num / den).squareRoot() - (e.measuredError ?? -1)) <= 1e-3 * max(1, e.measuredError ?? 1))
    }

    @Test func sequentialIsRefusedWithoutItsInputs() throws {
        #expect(throws: CompressionError.self) { try CompressionOptions(method: .svd, sequential: true).validate() }
        let (c, _, _) = try syntheticSetup(tokens: 200)
        c.sequentialCalibration = nil
        #expect(throws: CompressionError.self) {
            _ = try c.compress(options: .init(method: .masvd, budget: .ratio(0.3), sequential: true),
                               to: dir.appendingPathComponent("x.safetensors").path)
        }
    }

    @Test func shrinkageIsTheStatedMapAndIdentityShrinkageIsCholeskyDampening() throws {
        let g = try Matrix<Double>(rows: 2, columns: 2, values: [4, 1, 1, 2])
        let expectedIdentity: [Double] = [5.5, 1, 1, 3.5], expectedDiagonal: [Double] = [4, 0.75, 0.75, 2]
        #expect(GramShrinkage.identity(0.5).apply(g).values == expectedIdentity)
        #expect(GramShrinkage.diagonal(0.25).apply(g).values == expectedDiagonal)
        #expect(GramShrinkage.none.apply(g) == g)
        #expect(throws: CompressionError.self) { try GramShrinkage.diagonal(1.5).validate() }
        #expect(throws: CompressionError.self) { try GramShrinkage.identity(-1).validate() }
        // The pipeline with .identity(λ) gives the factors of MeasurementAwareSVD with dampening λ (gesdd path).
        let (c, _, cal) = try syntheticSetup(tokens: 200)
        let options = CompressionOptions(method: .masvd, budget: .ratio(0.3), shrinkage: .identity(0.05))
        let plan = try c.plan(try c.analyze(spectrum: .whitened, shrinkage: options.shrinkage), options: options)
        let item = try #require(plan.items.first { $0.name.hasSuffix("layers.0.mlp.down_proj.weight") })
        guard case let .lowRank(k) = item.choice else { Issue.record("not factored"); return }
        let t = try c.compressTensor(item, options: options)
        let w = try c.source.float32(item.name)
        let reference = try MeasurementAwareSVD.factor(try Matrix<Float>(rows: w.shape[0], columns: w.shape[1], values: w.storage),
                                                       calibration: try #require(cal.statistics(for: item.name)), rank: k, dampening: 0.05)
        #expect(Approximate.relativeError(try Self.product(t), try reference.factors.reconstructed().values) <= 1e-5)
        let plain = try c.compressTensor(item, options: .init(method: .masvd, budget: .ratio(0.3)))
        #expect(Approximate.relativeError(try Self.product(t), try Self.product(plain)) > 1e-4)
    }

    @Test func residualLossWeighsEachSubLayerByItsShareOfTheStream() throws {
        let (c, _, cal) = try syntheticSetup(tokens: 200)
        let analysis = try c.analyze(spectrum: .whitened)
        let importance = try c.allocationImportance(analysis, loss: .residualStream)
        for (i, m) in analysis.matrices.enumerated() {
            let role = try #require(TensorRole(name: m.name)), l = try #require(role.layer)
            let mlp = [.ffnGate, .ffnUp, .ffnDown].contains(role.kind)
            // E_sub = tr(W G Wᵀ) of the sub-layer's output projection, straight from its weight and Gram.
            let projName = "model.layers.\(l)." + (mlp ? "mlp.down_proj.weight" : "self_attn.o_proj.weight")
            let wt = try c.source.float32(projName)
            let w = try Matrix<Double>(rows: wt.shape[0], columns: wt.shape[1], values: wt.storage.map(Double.init))
            let g = try #require(cal.statistics(for: projName)?.gram)
            let wg = try w.multiplied(by: g)
            var e = 0.0
            for j in 0..<w.values.count { e += wg.values[j] * w.values[j] }
            let r = try #require(cal.residualEnergy[ActivationRecorder.residualKey(layer: l, beforeMLP: mlp)])
            #expect(abs(importance[i] - e / r) <= 1e-6 * (e / r), "\(m.name)")
        }
        let plan = try c.plan(analysis, options: .init(method: .masvd, budget: .ratio(0.3), allocation: .greedy, allocationLoss: .residualStream))
        #expect(plan.allocation.fractionRemoved >= 0.3)
        // Statistics files carry the residual energies (`<key>.energy`), in our writer's and the runtime's layout.
        let p = dir.appendingPathComponent("stats.safetensors").path
        try cal.write(path: p)
        let read = try CalibrationSet.read(path: p)
        #expect(read.residualEnergy == cal.residualEnergy && read.residualEnergy.count == 4)
        let fromFile = try Compressor(source: c.source, calibration: read)
        #expect(try fromFile.allocationImportance(try fromFile.analyze(spectrum: .whitened), loss: .residualStream) == importance)
        let q = dir.appendingPathComponent("runtime.safetensors").path
        let recorder = ActivationRecorder()
        final class Steps: ProgressReporter {
            var seen: [[Int]] = []
            func update(completed: Int, total: Int, label: String) { seen.append([completed, total]) }
            func finish() {}
        }
        let steps = Steps()
        try Calibration.run(model: try #require(c.sequentialCalibration?.model), tokens: [3, 4, 5, 6, 7, 8, 9, 10], bos: 0, context: 8,
                            maxTokens: 8, recorder: recorder, progress: steps)
        // Windows of BOS + 7 tokens: progress before each window and at the end.
        #expect(steps.seen == [[0, 8], [7, 8], [8, 8]])
        try recorder.save(to: q, metadata: ["tokens": "8"])
        #expect(try ActivationRecorder.load(from: q).recorder.residualSumSquares == recorder.residualSumSquares)
        #expect(try CalibrationSet.read(path: q).residualEnergy == recorder.residualSumSquares)
        // Without them (older files): refused, naming the reason.
        var bare = cal
        bare.residualEnergy = [:]
        let r = dir.appendingPathComponent("bare.safetensors").path
        try bare.write(path: r)
        let noEnergy = try Compressor(source: c.source, calibration: try CalibrationSet.read(path: r))
        #expect(throws: CompressionError.self) { _ = try noEnergy.allocationImportance(try noEnergy.analyze(spectrum: .whitened), loss: .residualStream) }
        #expect(throws: CompressionError.self) { _ = try c.allocationImportance(try c.analyze(spectrum: .weight), loss: .residualStream) }
    }
}

extension SequentialCompressionTests {
    @Test func minimumKeptFractionIsAFloorOfEveryFactoredMatrix() throws {
        let (c, _, _) = try syntheticSetup(tokens: 200)
        let analysis = try c.analyze(spectrum: .whitened)
        let free = try c.plan(analysis, options: .init(method: .masvd, budget: .ratio(0.2), allocation: .greedy))
        let floored = try c.plan(analysis, options: .init(method: .masvd, budget: .ratio(0.2), allocation: .greedy, minimumKeptFraction: 0.7))
        #expect(floored.allocation.fractionRemoved >= 0.2)
        for item in floored.items {
            if case let .lowRank(k) = item.choice {
                #expect(k == Compressor.floorRank(rows: item.rows, columns: item.columns, keptFraction: 0.7) || Double(k * (item.rows + item.columns)) >= 0.7 * Double(item.rows * item.columns))
                #expect(Double(k * (item.rows + item.columns)) >= 0.7 * Double(item.rows * item.columns) - 1e-9, "\(item.name)")
            }
        }
        // Without the floor the greedy plan cuts some matrix below 70%; with it, more matrices are factored.
        let deepest = free.items.compactMap { i -> Double? in
            if case let .lowRank(k) = i.choice { return Double(k * (i.rows + i.columns)) / Double(i.rows * i.columns) } else { return nil }
        }.min() ?? 1
        #expect(deepest < 0.7)
        #expect(floored.allocation.denseCount < free.allocation.denseCount)
        #expect(throws: CompressionError.self) { try CompressionOptions(minimumKeptFraction: 1).validate() }
    }
}

/// Sequential calibration on a trained model (stories260K), when ../shared is present.
@Suite struct StoriesSequentialTests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")

    @Test(.enabled(if: bin != nil && text != nil, "needs ../shared/models and ../shared/corpus"))
    func sequentialCalibrationOutputErrorIsAtMostOneShots() throws {
        let lm = try LanguageModel.load(path: Self.bin!)
        let body = try String(contentsOfFile: Self.text!, encoding: .utf8)
        let cal = try CalibrationSet.record(model: lm, text: body, maxTokens: 2000, context: 128)
        let c = try Compressor(source: try Checkpoints.open(Self.bin!), calibration: cal)
        let sc = try SequentialCalibration(model: lm, text: body, maxTokens: 2000, context: 128)
        c.sequentialCalibration = sc
        // The final hidden state's squared error against the dense model on the calibration windows.
        func outputError(_ m: LlamaModel) throws -> Double {
            var num = 0.0, den = 0.0
            for w in sc.windows {
                var c1 = lm.model.makeCache(capacity: 128), c2 = m.makeCache(capacity: 128)
                let a = try lm.model.hiddenStates(w, cache: &c1), b = try m.hiddenStates(w, cache: &c2)
                for i in a.indices {
                    let ai = Double(a[i]), d = ai - Double(b[i])
                    num += d * d
                    den += ai * ai
                }
            }
            return num / den
        }
        for allocation in [AllocationStrategy.uniform, .greedy] {
            let options = CompressionOptions(method: .masvd, budget: .ratio(0.3), allocation: allocation)
            let plan = try c.plan(try c.analyze(spectrum: .whitened), options: options)
            let oneShot = try lm.model.replacingLinears(with: plan.items.map { try c.compressTensor($0, options: options) })
            let sequential = try lm.model.replacingLinears(with: Array(try c.sequentialFactors(plan).values))
            let (e1, e2) = (try outputError(oneShot), try outputError(sequential))
            #expect(e2 <= e1, "\(allocation): sequential \(e2) vs one-shot \(e1)")
        }
    }
}
