import Foundation
import LinearAlgebra
import Testing
import TestSupport
import WeightFormats
import ReferenceLM
@testable import Compression

/// stories260K (llama2.c and GGUF), when ../shared/models is present.
@Suite struct StoriesCompressionTests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let gguf = TestPaths.sharedModel("stories260K/stories260K.gguf")
    let dir = TestPaths.temporaryDirectory("stories")

    @Test(.enabled(if: bin != nil, "needs ../shared/models"))
    func svdOnStoriesMatchesEckartYoungAndVerifies() throws {
        let source = try Checkpoints.open(Self.bin!)
        let r = try Compressor(source: source).compress(options: .init(method: .svd, budget: .ratio(0.3)),
                                                         to: dir.appendingPathComponent("s.safetensors").path)
        #expect(r.manifest.parameters.linearFractionRemoved >= 0.3)
        #expect(r.manifest.tensors.count == 47)
        let c = try CompressedCheckpoint(path: r.path)
        #expect(try c.verify().mismatches.isEmpty)
        var checked = 0
        for e in r.manifest.tensors where e.layout == "lowrank" {
            let w = try source.float32(e.name), got = try c.float32(e.name), k = try #require(e.rank)
            let sigma = try SingularValueDecomposition(try Matrix<Double>(rows: w.shape[0], columns: w.shape[1], values: w.storage.map(Double.init))).singularValues
            let predicted = (sigma.dropFirst(k).reduce(0) { $0 + $1 * $1 } / sigma.reduce(0) { $0 + $1 * $1 }).squareRoot()
            var err = 0.0, norm = 0.0
            for i in w.storage.indices { let d = Double(w.storage[i]) - Double(got.storage[i]); err += d * d; norm += Double(w.storage[i] * w.storage[i]) }
            #expect(abs((err / norm).squareRoot() - predicted) < 1e-5, "\(e.name)")
            checked += 1
        }
        #expect(checked == 35)
    }

    @Test(.enabled(if: gguf != nil, "needs ../shared/models"))
    func compressedGGUFKeepsTheSourceMetadata() throws {
        let source = try GGUFFile(path: Self.gguf!)
        let r = try Compressor(source: source).compress(options: .init(method: .svd, budget: .ratio(0.3), zstd: true),
                                                         to: dir.appendingPathComponent("s.safetensors.zst").path)
        let c = try Checkpoints.openAny(r.path)
        #expect(c is CompressedCheckpoint)
        #expect(c.metadata == source.metadata)
        #expect((c as? CompressedCheckpoint)?.ggufMetadata.map(\.key) == source.orderedMetadata.map(\.key).filter { $0 != "general.alignment" })
    }
}

/// Calibration through the runtime: its recorder's files and in-process recording.
@Suite struct RuntimeCalibrationTests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")
    let dir = TestPaths.temporaryDirectory("calib")

    @Test(.enabled(if: bin != nil && text != nil, "needs ../shared/models and ../shared/corpus"))
    func inProcessCalibrationDrivesMASVDAndMatchesTheRecorderFile() throws {
        let lm = try LanguageModel.load(path: Self.bin!)
        let body = try String(contentsOfFile: Self.text!, encoding: .utf8)
        let cal = try CalibrationSet.record(model: lm, text: body, maxTokens: 300, context: 128)
        #expect(cal.tokens == 300)
        // Every block linear finds its site's statistics (q, k, v share blk.L.attn_qkv).
        let source = try Checkpoints.open(Self.bin!)
        let c = try Compressor(source: source, calibration: cal)
        for t in c.linearTensors { #expect(cal.statistics(for: t.name)?.gram != nil, "\(t.name)") }
        #expect(cal.statistics(for: "blk.0.attn_q.weight") == cal.statistics(for: "blk.0.attn_v.weight"))
        // The runtime's own file layout reads back to the same statistics.
        let recorder = ActivationRecorder()
        _ = try Calibration.run(model: lm.model, tokens: lm.tokenizer.encode(body, addBOS: false), bos: lm.tokenizer.bosID ?? 1,
                                context: 128, maxTokens: 300, recorder: recorder)
        let p = dir.appendingPathComponent("stats.safetensors").path
        try recorder.save(to: p, metadata: ["tokens": "300"])
        let read = try CalibrationSet.read(path: p)
        #expect(try read.allGroups() == cal.groups)
        // And our writer's files load in the runtime.
        let q = dir.appendingPathComponent("ours.safetensors").path
        try cal.write(path: q)
        #expect(try ActivationRecorder.load(from: q).recorder.statistics.count == cal.groups.count)
        // masvd with it: output error on the calibration set as predicted, and no worse than svd.
        let r = try c.compress(options: .init(method: .masvd, budget: .ratio(0.3)), to: dir.appendingPathComponent("m.safetensors").path)
        #expect(r.manifest.calibration?.tokens == 300)
        for e in r.manifest.tensors where e.layout == "lowrank" {
            #expect(e.measuredErrorMetric == "output")
            #expect(abs((e.measuredError ?? 0) - (e.predictedError ?? 1)) < 2e-3 + 2e-2 * (e.predictedError ?? 0), "\(e.name)")
        }
    }
}

/// The runtime runs compressed layers: in memory, from the file natively, and densified, alike.
@Suite struct CompressedModelTests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let text = TestPaths.sharedCorpus("tinystories_val.txt")

    @Test(.enabled(if: bin != nil && text != nil, "needs ../shared/models and ../shared/corpus"))
    func nativeLowRankMatchesInMemoryAndDensifiedPerplexity() throws {
        let lm = try LanguageModel.load(path: Self.bin!)
        let tokens = Array(lm.tokenizer.encode(try String(contentsOfFile: Self.text!, encoding: .utf8), addBOS: false).prefix(300))
        let bos = lm.tokenizer.bosID ?? 1
        let c = try Compressor(source: try Checkpoints.open(Self.bin!))
        let opts = CompressionOptions(method: .svd, budget: .ratio(0.3))
        let plan = try c.plan(try c.analyze(spectrum: .weight), options: opts)
        let inMemory = try lm.model.replacingLinears(with: plan.items.map { try c.compressTensor($0, options: opts) })
        let path = TestPaths.temporaryDirectory("model").appendingPathComponent("m.safetensors").path
        _ = try c.write(plan, to: path)
        let checkpoint = try CompressedCheckpoint(path: path)
        let native = try lm.model.replacingLinears(with: checkpoint)
        let densified = try LlamaModel(source: checkpoint, config: lm.model.config)
        let base = try Perplexity.evaluate(model: lm.model, tokens: tokens, bos: bos, context: 128).perplexity
        let a = try Perplexity.evaluate(model: inMemory, tokens: tokens, bos: bos, context: 128).perplexity
        let b = try Perplexity.evaluate(model: native, tokens: tokens, bos: bos, context: 128).perplexity
        let d = try Perplexity.evaluate(model: densified, tokens: tokens, bos: bos, context: 128).perplexity
        #expect(a == b, "in-memory \(a) vs from file \(b)")
        #expect(abs(b - d) / d < 1e-4, "native low-rank \(b) vs densified \(d)")
        #expect(a > base, "compression costs perplexity: \(a) vs dense \(base)")
    }
}
