import Foundation
import LinearAlgebra
import TensorCore
import Testing
import TestSupport
import WeightFormats
import Analysis
import Decomposition
@testable import Compression

/// The compressor on a synthetic Llama-shaped model, checked against independent truth: the
/// stored file read back with the plain safetensors reader, SVDs computed here, output errors
/// computed here from the calibration inputs themselves.
@Suite struct CompressorTests {
    let dir = TestPaths.temporaryDirectory("compress")

    func compress(_ source: String, _ options: CompressionOptions, calibration: CalibrationSet? = nil, out: String = "c.safetensors",
                  workers: Int = 1) throws -> CompressionResult {
        let c = try Compressor(source: try Checkpoints.open(source), calibration: calibration)
        c.workers = workers
        return try c.compress(options: options, to: dir.appendingPathComponent(out).path)
    }

    /// Stored parameters of the block linear layers, counted from the file's own header.
    func linearParameters(_ path: String) throws -> Int {
        let f = try SafeTensorsFile(path: path)
        return f.tensors.filter { $0.name.contains("_proj.") }.reduce(0) { $0 + $1.elementCount }
    }

    static func matrixNaive(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for p in 0..<k { let x = Double(a[i * k + p]); for j in 0..<n { out[i * n + j] += x * Double(b[p * n + j]) } } }
        return out
    }

    @Test(arguments: [AllocationStrategy.uniform, .greedy], [0.2, 0.5])
    func budgetIsRespected(strategy: AllocationStrategy, ratio: Double) throws {
        let src = try SyntheticModel.write(to: dir)
        let r = try compress(src, .init(method: .svd, budget: .ratio(ratio), allocation: strategy))
        let before = SyntheticModel.linearShapes(layers: 2).reduce(0) { $0 + $1.1[0] * $1.1[1] }
        let removed = 1 - Double(try linearParameters(r.path)) / Double(before)
        // At least the ratio; at most one allocation step more (uniform: one rank per matrix;
        // greedy: the largest single move, a matrix going from dense to its floor).
        let slack = strategy == .uniform
            ? Double(SyntheticModel.linearShapes(layers: 2).reduce(0) { $0 + $1.1[0] + $1.1[1] }) / Double(before)
            : Double(SyntheticModel.linearShapes(layers: 2).map { $0.1[0] * $0.1[1] }.max() ?? 0) / Double(before)
        #expect(removed >= ratio - 1e-12)
        #expect(removed <= ratio + slack)
        #expect(abs(r.manifest.parameters.linearFractionRemoved - removed) < 1e-12)
    }

    @Test func lowRankErrorIsWhatTheSVDPredicts() throws {
        let src = try SyntheticModel.write(to: dir)
        let r = try compress(src, .init(method: .svd, budget: .ratio(0.4)))
        let file = try SafeTensorsFile(path: r.path), source = try SafeTensorsFile(path: src)
        var checked = 0
        for e in r.manifest.tensors where e.layout == "lowrank" {
            let w = try source.float32(e.name), m = e.originalShape[0], n = e.originalShape[1], k = try #require(e.rank)
            let ab = Self.matrixNaive(try file.float32(e.name + ".lr.a").storage, try file.float32(e.name + ".lr.b").storage, m: m, k: k, n: n)
            var err = 0.0, norm = 0.0
            for i in 0..<(m * n) { let d = Double(w.storage[i]) - ab[i]; err += d * d; norm += Double(w.storage[i]) * Double(w.storage[i]) }
            let sigma = try SingularValueDecomposition(try Matrix<Double>(rows: m, columns: n, values: w.storage.map(Double.init))).singularValues
            let tail = sigma.dropFirst(k).reduce(0) { $0 + $1 * $1 }, total = sigma.reduce(0) { $0 + $1 * $1 }
            let measured = (err / norm).squareRoot(), predicted = (tail / total).squareRoot()
            #expect(abs(measured - predicted) < 1e-5, "\(e.name): measured \(measured), Eckart–Young \(predicted)")
            #expect(abs((e.measuredError ?? -1) - measured) < 1e-5)
            #expect(abs((e.predictedError ?? -1) - predicted) < 1e-5)
            checked += 1
        }
        #expect(checked == 14)
    }

    @Test func readerRebuildsOriginalTensorsAsAB() throws {
        let src = try SyntheticModel.write(to: dir)
        let r = try compress(src, .init(method: .svd, budget: .ratio(0.3)))
        let c = try CompressedCheckpoint(path: r.path), file = try SafeTensorsFile(path: r.path), source = try SafeTensorsFile(path: src)
        #expect(c.tensors.map(\.name).sorted() == source.tensors.map(\.name).sorted())
        for t in source.tensors {
            #expect(c.info(t.name)?.shape == t.shape)
            let got = try c.float32(t.name)
            guard let e = c.entry(t.name), e.layout == "lowrank", let k = e.rank else {
                #expect(got == (try source.float32(t.name)), "dense \(t.name) must be the source's values")
                continue
            }
            let ab = Self.matrixNaive(try file.float32(t.name + ".lr.a").storage, try file.float32(t.name + ".lr.b").storage,
                                      m: t.shape[0], k: k, n: t.shape[1])
            let diff = zip(got.storage, ab).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(diff < 1e-5, "\(t.name): |float32 − A·B| = \(diff)")
            let f = try #require(try c.lowRankFactors(t.name))
            #expect(f.a.values == (try file.float32(t.name + ".lr.a").storage))
        }
    }

    @Test func ttLayersMeetTheTTSVDBound() throws {
        let src = try SyntheticModel.write(to: dir)
        let r = try compress(src, .init(method: .tt, budget: .ratio(0.3)))
        let c = try CompressedCheckpoint(path: r.path), source = try SafeTensorsFile(path: src)
        let tts = r.manifest.tensors.filter { $0.layout == "tt" }
        #expect(!tts.isEmpty)
        for e in tts {
            let w = try source.float32(e.name).storage, got = try c.float32(e.name).storage
            var err = 0.0, norm = 0.0
            for i in w.indices { let d = Double(w[i]) - Double(got[i]); err += d * d; norm += Double(w[i]) * Double(w[i]) }
            // TT-SVD: ‖W − TT‖² ≤ Σ discarded σ² (F32 slack).
            #expect((err / norm).squareRoot() <= (e.predictedError ?? 0) * (1 + 1e-3) + 1e-6, "\(e.name)")
            #expect(try c.tensorTrain(e.name) != nil)
            #expect(e.storedParameters <= (r.manifest.parameters.linearBefore))
        }
        #expect(r.manifest.parameters.linearFractionRemoved >= 0.3)
    }

    @Test func measurementAwareSVDMeetsItsIdentityAndBeatsPlainSVDOnOutputs() throws {
        let src = try SyntheticModel.write(to: dir)
        let (cal, inputs) = try SyntheticModel.calibration()
        let ma = try compress(src, .init(method: .masvd, budget: .ratio(0.4)), calibration: cal, out: "ma.safetensors")
        let sv = try compress(src, .init(method: .svd, budget: .ratio(0.4)), calibration: cal, out: "sv.safetensors")
        let source = try SafeTensorsFile(path: src)
        let cm = try CompressedCheckpoint(path: ma.path), cs = try CompressedCheckpoint(path: sv.path)
        func outputError(_ w: [Float], _ approx: [Float], _ x: Matrix<Double>, m: Int) throws -> Double {
            let n = x.columns
            let e = try Matrix<Double>(rows: m, columns: n, values: zip(w, approx).map { Double($0) - Double($1) })
            let wd = try Matrix<Double>(rows: m, columns: n, values: w.map(Double.init))
            return try x.multiplied(by: e, transposeOther: true).frobeniusNorm / x.multiplied(by: wd, transposeOther: true).frobeniusNorm
        }
        for e in ma.manifest.tensors where e.layout == "lowrank" {
            let x = try #require(inputs[e.name]), w = try source.float32(e.name).storage, m = e.originalShape[0]
            let errMA = try outputError(w, try cm.float32(e.name).storage, x, m: m)
            let errSV = try outputError(w, try cs.float32(e.name).storage, x, m: m)
            #expect(e.method == "masvd")
            // SVD-LLM: the output error on the calibration inputs is √(Σ_{i>k} σᵢ(WS)² / Σ σᵢ(WS)²).
            #expect(abs(errMA - (e.predictedError ?? -1)) < 1e-3 * max(1, errMA), "\(e.name): \(errMA) vs \(e.predictedError ?? -1)")
            #expect(abs(errMA - (e.measuredError ?? -1)) < 1e-6 + 1e-4 * errMA)
            #expect(errMA <= errSV * (1 + 1e-4) + 1e-7, "\(e.name): masvd \(errMA) > svd \(errSV)")
        }
        #expect(ma.manifest.calibration?.tokens == 200)
    }

    @Test func autoPicksTheLowestMeasuredCandidate() throws {
        let src = try SyntheticModel.write(to: dir)
        let (cal, _) = try SyntheticModel.calibration()
        let c = try Compressor(source: try Checkpoints.open(src), calibration: cal)
        let opts = CompressionOptions(method: .auto, budget: .ratio(0.4))
        let plan = try c.plan(try c.analyze(spectrum: c.spectrum(for: opts)), options: opts)
        for item in plan.items where item.choice != .dense {
            let chosen = try c.compressTensor(item, options: opts)
            for m in [CompressionMethod.svd, .masvd, .asvd, .tt] {
                var o = opts; o.method = m
                let alt = try c.compressTensor(item, options: o)
                #expect((chosen.entry.measuredError ?? 1) <= (alt.entry.measuredError ?? 0) + 1e-12, "\(item.name): auto worse than \(m)")
            }
        }
    }

    @Test func rerunsAreByteIdentical() throws {
        let src = try SyntheticModel.write(to: dir)
        let (cal, _) = try SyntheticModel.calibration()
        for opts in [CompressionOptions(method: .svd, budget: .ratio(0.3)),
                     CompressionOptions(method: .masvd, budget: .ratio(0.5), allocation: .greedy, refit: true, dtype: .bf16, zstd: true)] {
            let a = try compress(src, opts, calibration: cal, out: "a")
            let b = try compress(src, opts, calibration: cal, out: "b")
            #expect(try Data(contentsOf: URL(fileURLWithPath: a.path)) == Data(contentsOf: URL(fileURLWithPath: b.path)))
            // Two tensors in flight (pass 1 and pass 2): the same bytes.
            let c = try compress(src, opts, calibration: cal, out: "c", workers: 3)
            #expect(try Data(contentsOf: URL(fileURLWithPath: a.path)) == Data(contentsOf: URL(fileURLWithPath: c.path)))
            // OPENBLAS_NUM_THREADS=2 gives the same bytes too: CompressCLITests (a child process, since
            // OpenBLAS's thread count is process-global and other tests run BLAS concurrently here).
        }
    }

    @Test func zstdContainerRoundTrips() throws {
        let src = try SyntheticModel.write(to: dir)
        let plain = try compress(src, .init(method: .svd, budget: .ratio(0.3), dtype: .bf16), out: "p.safetensors")
        let z = try compress(src, .init(method: .svd, budget: .ratio(0.3), dtype: .bf16, zstd: true), out: "z.safetensors.zst")
        let cp = try CompressedCheckpoint(path: plain.path), cz = try CompressedCheckpoint(path: z.path)
        #expect(cz.isZstd && !cp.isZstd)
        #expect(z.fileBytes < plain.fileBytes)
        #expect(z.plainZstdBytes != nil)
        for t in cp.tensors { #expect(try cz.float32(t.name) == cp.float32(t.name), "\(t.name)") }
        #expect(try cz.verify().mismatches.isEmpty)
        // The checksums are of the logical (unshuffled) bytes: identical in both variants.
        #expect(cz.manifest.tensors.map(\.stored) == cp.manifest.tensors.map(\.stored))
    }

    @Test func verifyNamesTheTensorWithAFlippedByte() throws {
        let src = try SyntheticModel.write(to: dir)
        let r = try compress(src, .init(method: .svd, budget: .ratio(0.3)))
        #expect(try CompressedCheckpoint(path: r.path).verify().mismatches.isEmpty)
        let target = "model.layers.1.mlp.down_proj.weight.lr.b"
        let range = try SafeTensorsFile(path: r.path).byteRange(target)
        var data = try Data(contentsOf: URL(fileURLWithPath: r.path))
        data[range.lowerBound + 3] ^= 0x01
        try data.write(to: URL(fileURLWithPath: r.path))
        let v = try CompressedCheckpoint(path: r.path).verify()
        #expect(v.mismatches.map(\.tensor) == [target])
        #expect(v.checked == r.manifest.tensors.reduce(0) { $0 + $1.stored.count })
    }

    /// svd writes every tensor in place into `OUT.journal/partial.safetensors`; tt keeps each
    /// finished tensor in `t<i>.bin` and assembles the output at the end. Both resume.
    @Test(arguments: [CompressionMethod.svd, .tt])
    func resumesAfterAnInterruptionWithIdenticalBytes(method: CompressionMethod) throws {
        let src = try SyntheticModel.write(to: dir)
        let opts = CompressionOptions(method: method, budget: .ratio(0.3))
        let fresh = try compress(src, opts, out: "fresh.safetensors")
        let out = dir.appendingPathComponent("resumed.safetensors").path
        let journal = out + ".journal"
        let c = try Compressor(source: try Checkpoints.open(src))
        c.stopAfterComputed = 5
        #expect(throws: CompressionError.interrupted(afterTensors: 5)) { try c.compress(options: opts, to: out) }
        #expect(!FileManager.default.fileExists(atPath: out))
        let records = try FileManager.default.contentsOfDirectory(atPath: journal).filter { $0.hasSuffix(".json") && $0.hasPrefix("t") }
        #expect(records.count == 5)
        // Damage one record's bytes: it must be recomputed, not trusted.
        let first = journal + "/" + records.sorted()[0]
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first))) as? [String: Any]
        let placed = record?["placed"] as? Bool == true
        #expect(placed == (method == .svd))
        let damaged = placed ? journal + "/partial.safetensors" : first.replacingOccurrences(of: ".json", with: ".bin")
        let at = placed ? ((record?["offsets"] as? [Int])?.first ?? 0) : 0
        var bin = try Data(contentsOf: URL(fileURLWithPath: damaged)); bin[at] ^= 0xFF
        try bin.write(to: URL(fileURLWithPath: damaged))
        let again = try Compressor(source: try Checkpoints.open(src)).compress(options: opts, to: out)
        #expect(again.resumedTensors == 4)
        #expect(again.computedTensors == fresh.computedTensors - 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: fresh.path)))
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    /// Uniform ranks depend on the shapes only, so `compress` plans them before pass 1 and keeps
    /// exactly those singular vectors; the plan made from the real spectra must give the same ranks,
    /// and a resumed masvd run (whose pass 2 recomputes the spectra it did not spill) the same bytes.
    /// (On these small matrices `ormtr` gives the same bits for any count of kept vectors, so the
    /// resume check covers the path as a whole; the ≈ 10⁻⁹ difference a mismatched count makes shows
    /// on SmolLM2's 576-wide matrices, docs/BENCHMARKS.md.)
    @Test func uniformMasvdPlansItsRanksBeforePass1AndResumesIdentically() throws {
        let src = try SyntheticModel.write(to: dir)
        let (cal, _) = try SyntheticModel.calibration()
        let opts = CompressionOptions(method: .masvd, budget: .ratio(0.4), allocation: .uniform)
        let c = try Compressor(source: try Checkpoints.open(src), calibration: cal)
        let early = try #require(c.uniformRanksBeforeAnalysis(opts))
        let planned = Compressor.factoredRanks(try c.plan(c.analyze(spectrum: .whitened), options: opts))
        #expect(early == planned)
        #expect(early.count == 14)
        // Below the break-even rank (what pass 1 keeps without a plan), or the early plan saves nothing.
        #expect(early.contains { name, k in
            let t = c.linearTensors.first { $0.name == name }!
            return k < (t.shape[0] * t.shape[1] - 1) / (t.shape[0] + t.shape[1])
        })
        #expect(c.uniformRanksBeforeAnalysis(.init(method: .masvd, budget: .ratio(0.4), allocation: .greedy)) == nil)

        let fresh = try compress(src, opts, calibration: cal, out: "fresh.safetensors")
        let out = dir.appendingPathComponent("resumed.safetensors").path
        let first = try Compressor(source: try Checkpoints.open(src), calibration: cal)
        first.stopAfterComputed = 6
        #expect(throws: CompressionError.interrupted(afterTensors: 6)) { try first.compress(options: opts, to: out) }
        let again = try Compressor(source: try Checkpoints.open(src), calibration: cal).compress(options: opts, to: out)
        #expect(again.resumedTensors == 6)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: fresh.path)))
        // A greedy plan has no early ranks: pass 1 keeps vectors up to the break-even rank, as before.
        #expect(Compressor.factoredRanks(try c.plan(c.analyze(spectrum: .whitened), options: .init(method: .masvd, budget: .ratio(0.4), allocation: .greedy))).isEmpty)
    }

    @Test func oneAnalysisServesSeveralBudgets() throws {
        let src = try SyntheticModel.write(to: dir)
        let c = try Compressor(source: try Checkpoints.open(src))
        let analysis = try c.analyze(spectrum: .weight)
        #expect(analysis.matrices.count == 14)
        var last = Int.max
        for ratio in [0.1, 0.2, 0.3, 0.4] {
            let plan = try c.plan(analysis, options: .init(method: .svd, budget: .ratio(ratio)))
            #expect(plan.linearParametersAfter < last)
            last = plan.linearParametersAfter
            let r = try c.write(plan, to: dir.appendingPathComponent("r\(ratio).safetensors").path)
            #expect(r.manifest.parameters.linearAfter == plan.linearParametersAfter)
        }
    }

    @Test func bytesBudgetBoundsTheTensorData() throws {
        let src = try SyntheticModel.write(to: dir)
        let total = try SafeTensorsFile(path: src).tensors.reduce(0) { $0 + $1.byteCount }
        let budget = total * 7 / 10
        let r = try compress(src, .init(method: .svd, budget: .bytes(budget)))
        #expect(r.tensorBytes <= budget)
        #expect(r.tensorBytes > budget / 2)
    }
}
