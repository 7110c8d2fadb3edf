import AlloneCompress
import ArgumentParser
import Foundation

/// `allone-bench svd`: thin SVD of SmolLM2's matrix shapes vs numpy and scipy, randomized vs full
/// SVD at ranks 16–128, and TT-SVD of a 1536×576 matrix vs TensorLy's `tensor_train_matrix` at
/// equal ranks, side by side in one run (the peer is `bench/peer_svd.py`, spawned with the same
/// OpenBLAS thread count). Timings: one warm-up, then the best of `--repeats` runs, both sides.
struct SVDBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svd",
        abstract: "Thin / randomized SVD and TT-SVD vs numpy, scipy and TensorLy (see docs/BENCHMARKS.md).")

    @Option(help: "Python with numpy and scipy (and tensorly for the TT comparison).")
    var python: String = ".venv-peers/bin/python"

    @Option(help: "The peer script.")
    var peer: String = "bench/peer_svd.py"

    @Option(help: "OpenBLAS threads, used on both sides.")
    var threads: Int = 1

    @Option(help: "Timed repetitions per case (best is reported).")
    var repeats: Int = 5

    @Option(help: "Alternating rounds of Swift and peer measurements; the best of all rounds is reported (evens out background load).")
    var rounds: Int = 3

    @Option(help: "TT bond ranks to compare with TensorLy (comma-separated).")
    var ttRanks: String = "16,64"

    @Option(help: "Also allocate ranks on real spectra: the JSON written by bench/smollm2_spectra.py --json.")
    var spectra: String? = nil

    func validate() throws {
        guard threads >= 1, repeats >= 1, rounds >= 1 else { throw ValidationError("--threads, --repeats and --rounds must be ≥ 1") }
        guard parsedTTRanks != nil else { throw ValidationError("--tt-ranks must be comma-separated positive integers") }
    }

    var parsedTTRanks: [Int]? {
        let r = ttRanks.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard r.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return r.compactMap { $0 }
    }

    /// A matrix with planted power-law spectrum σᵢ = (i + 1)^−0.6 (weights decay roughly like that).
    static func plantedMatrix(rows m: Int, columns n: Int, seed: UInt64) throws -> Matrix<Float> {
        var g = LinearAlgebra.SeededGenerator(seed: seed)
        let r = min(m, n)
        let u = try QRDecomposition(g.gaussianMatrix(rows: m, columns: r, as: Double.self)).q
        let v = try QRDecomposition(g.gaussianMatrix(rows: n, columns: r, as: Double.self)).q
        let s = (0..<r).map { pow(Double($0 + 1), -0.6) }
        return try u.scalingColumns(by: s).multiplied(by: v, transposeOther: true).converted(to: Float.self)
    }

    static func best(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var t = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let d = try clock.measure(body)
            t = min(t, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        return t
    }

    /// Runs the peer once on the files in `dir` and parses its JSON.
    func runPeer(_ dir: URL) throws -> [String: Any] {
        let env = Dictionary(uniqueKeysWithValues: ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"].map { ($0, String(threads)) })
        return try PeerProcess.json(python: python, [peer, dir.path, String(repeats)], environment: env, label: "peer \(python) \(peer)")
    }

    /// Keeps, for every timing field (`*_s`) of the peer's rows, the smaller of two rounds.
    static func mergeBest(_ a: [String: Any], _ b: [String: Any]) -> [String: Any] {
        var out = a
        for key in ["svd", "rsvd", "tt"] {
            guard let ra = a[key] as? [[String: Any]], let rb = b[key] as? [[String: Any]], ra.count == rb.count else { continue }
            out[key] = zip(ra, rb).map { x, y -> [String: Any] in
                var m = x
                for (k, v) in y where k.hasSuffix("_s") {
                    if let vy = v as? Double, let vx = x[k] as? Double { m[k] = min(vx, vy) }
                }
                return m
            }
        }
        return out
    }

    func run() throws {
        BLAS.threadCount = threads
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("allone-bench-svd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let shapes = [("attn q/o 576x576", 576, 576), ("attn k/v 192x576", 192, 576), ("mlp gate/up 1536x576", 1536, 576)]
        var matrices: [String: Matrix<Float>] = [:]
        var files: [[String: Any]] = []
        for (i, s) in shapes.enumerated() {
            let a = try Self.plantedMatrix(rows: s.1, columns: s.2, seed: UInt64(100 + i))
            matrices[s.0] = a
            let file = "m\(i).f32"
            let data = a.values.withUnsafeBufferPointer { Data(buffer: $0) }
            try data.write(to: dir.appendingPathComponent(file))
            files.append(["name": s.0, "rows": s.1, "columns": s.2, "file": file])
        }
        let ranks = [16, 32, 64, 128]
        let ttShape = (rows: [16, 12, 8], columns: [9, 8, 8])
        var manifest: [String: Any] = ["svd": files, "rsvd": [[String: Any]](), "tt": [[String: Any]]()]
        manifest["rsvd"] = files.flatMap { f in ranks.map { var g = f; g["rank"] = $0; g["oversampling"] = 10; g["power"] = 2; return g } }
        manifest["tt"] = (parsedTTRanks ?? []).map { r -> [String: Any] in
            var g = files[2]; g["row_factors"] = ttShape.rows; g["column_factors"] = ttShape.columns; g["ranks"] = [1, r, r, 1]; g["bond"] = r
            return g
        }
        try JSONSerialization.data(withJSONObject: manifest).write(to: dir.appendingPathComponent("manifest.json"))

        print("allone-bench svd — \(ProcessInfo.processInfo.activeProcessorCount) CPUs, OpenBLAS threads \(BLAS.threadCount) both sides, best of \(repeats) × \(rounds) alternating rounds")
        print("OpenBLAS: \(BLAS.configuration)")
        var swiftSVD: [String: Double] = [:]
        var swiftValues: [String: Double] = [:]
        var full: [String: SingularValueDecomposition<Float>] = [:]
        var swiftRSVD: [String: (Double, Double, Double)] = [:]
        var swiftTT: [Int: (Double, Double, [Int])] = [:]
        var peerResult: [String: Any] = [:]
        let big = matrices[shapes[2].0]!
        for round in 0..<rounds {
            // Swift side.
            for s in shapes {
                let a = matrices[s.0]!
                swiftSVD[s.0] = min(swiftSVD[s.0] ?? .infinity, try Self.best(repeats) { _ = try SingularValueDecomposition(a) })
                if full[s.0] == nil { full[s.0] = try SingularValueDecomposition(a) }
                swiftValues[s.0] = min(swiftValues[s.0] ?? .infinity, try Self.best(repeats) { _ = try SingularValueDecomposition.singularValues(of: a) })
            }
            for s in shapes {
                let a = matrices[s.0]!, norm = a.frobeniusNorm
                let sv = full[s.0]!.singularValues.map(Double.init)
                for k in ranks {
                    let t = try Self.best(repeats) { _ = try RandomizedSVD.compute(a, rank: k, oversampling: 10, powerIterations: 2, seed: 0) }
                    let key = "\(s.0)#\(k)"
                    if let old = swiftRSVD[key] { swiftRSVD[key] = (min(old.0, t), old.1, old.2); continue }
                    let r = try RandomizedSVD.compute(a, rank: k, oversampling: 10, powerIterations: 2, seed: 0)
                    let err = try a.subtracting(r.reconstructed()).frobeniusNorm / norm
                    let optimal = sv.dropFirst(k).reduce(0) { $0 + $1 * $1 }.squareRoot() / norm
                    swiftRSVD[key] = (t, err, optimal)
                }
            }
            for r in parsedTTRanks ?? [] {
                let run = { try TensorTrainMatrix.decompose(big, truncation: .maxRanks([r, r]), rowFactors: ttShape.rows, columnFactors: ttShape.columns) }
                let t = try Self.best(repeats) { _ = try run() }
                if let old = swiftTT[r] { swiftTT[r] = (min(old.0, t), old.1, old.2); continue }
                let tt = try run()
                let err = try big.subtracting(tt.contracted()).frobeniusNorm / big.frobeniusNorm
                swiftTT[r] = (t, err, tt.ranks)
            }
            // Peer side, same thread count.
            let this = try runPeer(dir)
            peerResult = round == 0 ? this : Self.mergeBest(peerResult, this)
        }
        print("peer: numpy \(peerResult["numpy"] ?? "?"), scipy \(peerResult["scipy"] ?? "?"), tensorly \(peerResult["tensorly"] ?? "not installed")")
        print("")
        print("thin SVD (Float32, U, σ, Vᵀ)      swift s   numpy s   scipy s   swift/numpy  swift/scipy")
        for row in peerResult["svd"] as? [[String: Any]] ?? [] {
            guard let name = row["name"] as? String, let np = row["numpy_s"] as? Double, let sp = row["scipy_s"] as? Double,
                  let sw = swiftSVD[name] else { continue }
            print(name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: " %8.4f  %8.4f  %8.4f  %10.2fx  %10.2fx", sw, np, sp, sw / np, sw / sp))
        }
        print("")
        print("singular values only (gesdd 'N') swift s   numpy s   scipy s   swift/numpy  swift/scipy")
        for row in peerResult["svd"] as? [[String: Any]] ?? [] {
            guard let name = row["name"] as? String, let np = row["numpy_values_s"] as? Double, let sp = row["scipy_values_s"] as? Double,
                  let sw = swiftValues[name] else { continue }
            print(name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: " %8.4f  %8.4f  %8.4f  %10.2fx  %10.2fx", sw, np, sp, sw / np, sw / sp))
        }
        print("")
        print("randomized SVD (p=10, q=2)  rank  swift s   numpy s   ratio   swift err  numpy err  optimal   full SVD s")
        for row in peerResult["rsvd"] as? [[String: Any]] ?? [] {
            guard let name = row["name"] as? String, let k = row["rank"] as? Int, let np = row["numpy_s"] as? Double,
                  let ne = row["numpy_rel_error"] as? Double, let (t, e, o) = swiftRSVD["\(name)#\(k)"] else { continue }
            print(name.padding(toLength: 27, withPad: " ", startingAt: 0) + String(format: " %4d  %8.4f  %8.4f  %5.2fx  %9.5f  %9.5f  %8.5f  %8.4f", k, t, np, t / np, e, ne, o, swiftSVD[name] ?? .nan))
        }
        print("")
        print("TT-matrix 1536x576 = (16·12·8)x(9·8·8)  bond  swift s   tensorly s  speed-up  swift err  tensorly err")
        if let missing = peerResult["tensorly_missing"] { print("  TensorLy not available in \(python): \(missing)") }
        for row in peerResult["tt"] as? [[String: Any]] ?? [] {
            guard let r = (row["ranks"] as? [Int])?[1] ?? (row["tensorly_ranks"] as? [Int])?[1], let tl = row["tensorly_s"] as? Double,
                  let te = row["tensorly_rel_error"] as? Double, let (t, e, _) = swiftTT[r] else { continue }
            print(String(repeating: " ", count: 39) + String(format: " %4d  %8.4f  %10.4f  %7.1fx  %9.5f  %11.5f", r, t, tl, tl / t, e, te))
        }
        print("")
        // Rank allocation over SmolLM2-135M's 210 linear matrices (30 layers × q,k,v,o,gate,up,down),
        // spectra σᵢ = (i+1)^−α with α varying by layer and kind.
        let kinds = [(576, 576), (192, 576), (192, 576), (576, 576), (1536, 576), (1536, 576), (576, 1536)]
        var descriptors: [MatrixDescriptor] = []
        for layer in 0..<30 {
            for (j, shape) in kinds.enumerated() {
                let alpha = 0.2 + 0.03 * Double(layer % 10) + 0.05 * Double(j)
                let sv = (0..<min(shape.0, shape.1)).map { pow(Double($0 + 1), -alpha) }
                descriptors.append(try MatrixDescriptor(label: "\(layer).\(j)", rows: shape.0, columns: shape.1, singularValues: sv, floorRank: 8))
            }
        }
        for strategy in [AllocationStrategy.greedy, .uniform] {
            var plan: AllocationPlan? = nil
            let t = try Self.best(repeats) { plan = try RankAllocator.allocate(descriptors, budget: .fractionRemoved(0.2), strategy: strategy) }
            if let p = plan {
                print("rank allocation, 210 matrices, 20% removed, \(strategy.rawValue): " + String(format: "%.4f s, removed %.3f, predicted loss %.3f, dense kept %d", t, p.fractionRemoved, p.totalPredictedLoss, p.denseCount))
            }
        }
        if let path = spectra {
            struct Row: Decodable { let layer: Int; let kind: String; let rows: Int; let columns: Int; let singular_values: [Double] }
            let rows = try JSONDecoder().decode([Row].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            let real = try rows.map { try MatrixDescriptor(label: "\($0.layer).\($0.kind)", rows: $0.rows, columns: $0.columns,
                                                           singularValues: $0.singular_values, floorRank: 8) }
            print("")
            print("real spectra from \(path) (\(real.count) matrices, plain σ, no calibration):")
            for f in [0.1, 0.2] {
                for strategy in [AllocationStrategy.greedy, .uniform] {
                    var plan: AllocationPlan? = nil
                    let t = try Self.best(repeats) { plan = try RankAllocator.allocate(real, budget: .fractionRemoved(f), strategy: strategy, rankMultiple: 8) }
                    guard let p = plan else { continue }
                    var denseByKind: [String: Int] = [:]
                    for (i, c) in p.choices.enumerated() where c == .dense { denseByKind[rows[i].kind, default: 0] += 1 }
                    let dense = denseByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    print("  \(Int(f * 100))% removed, \(strategy.rawValue): " + String(format: "%.4f s, removed %.3f, predicted loss %.3f, ", t, p.fractionRemoved, p.totalPredictedLoss) + "dense kept \(p.denseCount) (\(dense))")
                }
            }
        }
    }
}
