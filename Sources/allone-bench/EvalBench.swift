import AlloneCompress
import ArgumentParser
import Foundation

/// `allone-bench eval`: prompt-processing throughput of the reference runtime (`eval` protocol,
/// docs/EVALUATION.md), peak memory, and the speed-up of a low-rank model over its dense original
/// against the FLOP ratio; side by side with llama.cpp (llama-cpp-python, `bench/peer_llamacpp_eval.py`)
/// on an F32 GGUF of the same model when that peer is installed.
struct EvalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Prompt-processing tokens/s of eval (and low-rank speed-up), vs llama.cpp when available.")

    @Option(help: "Model checkpoint (GGUF or llama2.c).")
    var model = "Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Evaluation text.")
    var text = "../shared/corpus/tinystories_val.txt"

    @Option(help: "Window length including BOS.")
    var ctx = 256

    @Option(name: .customLong("max-tokens"), help: "Tokens scored per timed run.")
    var maxTokens = 1020

    @Option(help: "OpenBLAS threads (both sides).")
    var threads = 2

    @Option(help: "Timed rounds (ours dense, llama.cpp, ours low-rank in turn); the best of each is reported.")
    var repeats = 3

    @Option(name: .customLong("low-rank-ratio"), help: "Compression of every block linear for the low-rank run (parameters dense / low-rank); 0 skips it.")
    var lowRankRatio = 2.0

    @Option(help: "Python interpreter with llama_cpp for the peer (skipped when missing).")
    var python = "/work/venvs/llamacpp/bin/python"

    @Option(name: .customLong("peer-model"), help: "F32 GGUF of the same model for the llama.cpp peer.")
    var peerModel = "/tmp/allone-smollm2/SmolLM2-135M-Instruct.F32.gguf"

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Peak resident set size (VmHWM) in MiB.
    static func peakRSSMiB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return -1 }
        return kb / 1024
    }

    /// Multiply-adds per token of the block linears and the head (attention scores excluded).
    static func linearMACs(_ m: LlamaModel) -> Int {
        m.blocks.reduce(0) { acc, b in acc + b.linears.reduce(0) { $0 + $1.linear.multiplyAddsPerRow } } + m.output.multiplyAddsPerRow
    }

    /// Every block linear replaced by random factors A (out, r), B (r, in) with r = in·out / (ratio·(in + out)):
    /// the speed of two GEMMs does not depend on the factor values.
    static func lowRankCopy(_ m: LlamaModel, ratio: Double) throws -> LlamaModel {
        var rng = SplitMix64(seed: 1)
        func factor(_ l: Linear) -> Linear {
            let (o, i) = (l.outFeatures, l.inFeatures)
            let r = max(1, Int(Double(o * i) / (ratio * Double(o + i))))
            func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.nextUnit() - 0.5) * 0.05 } }
            return .lowRank(a: Tensor(shape: [o, r], storage: random(o * r))!, b: Tensor(shape: [r, i], storage: random(r * i))!)
        }
        let blocks = m.blocks.map { b in
            LlamaBlockWeights(attnNorm: b.attnNorm, attnQ: factor(b.attnQ), attnK: factor(b.attnK), attnV: factor(b.attnV),
                              attnOutput: factor(b.attnOutput), ffnNorm: b.ffnNorm, ffnGate: factor(b.ffnGate),
                              ffnUp: factor(b.ffnUp), ffnDown: factor(b.ffnDown))
        }
        return try LlamaModel(config: m.config, tokenEmbedding: m.tokenEmbedding, blocks: blocks, outputNorm: m.outputNorm,
                              output: m.tiedOutput ? nil : m.output)
    }

    /// User + system CPU seconds of this process so far (all threads).
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
    }

    /// Best wall-clock run and least CPU seconds (robust to other processes on the cores) so far.
    struct Best {
        var result: PerplexityResult?
        var cpu = Double.infinity
        mutating func add(_ r: PerplexityResult, cpu c: Double) {
            cpu = min(cpu, c)
            if result == nil || r.seconds < result!.seconds { result = r }
        }
    }

    /// One timed evaluation of `model`, folded into `best`.
    func measure(_ model: LlamaModel, _ tokens: [Int], bos: Int, into best: inout Best) throws {
        let c0 = Self.cpuSeconds()
        let r = try Perplexity.evaluate(model: model, tokens: tokens, bos: bos, context: ctx, maxTokens: maxTokens, threads: threads)
        best.add(r, cpu: Self.cpuSeconds() - c0)
    }

    struct PeerResult: Decodable { let tokens: Int; let seconds: Double; let perplexity: Double; let peak_rss_mib: Double }

    /// One timed run of the llama.cpp peer (its own process), or nil when it is not installed.
    func runPeer(tokens: [Int], bos: Int) throws -> PeerResult? {
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: peerModel) else { return nil }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import llama_cpp, numpy"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return nil }
        let tokFile = FileManager.default.temporaryDirectory.appendingPathComponent("allone-eval-tokens.json")
        try JSONEncoder().encode(Array(tokens.prefix(maxTokens))).write(to: tokFile)
        let data = try PeerProcess.output(python: python, ["bench/peer_llamacpp_eval.py", peerModel, tokFile.path, String(ctx), String(threads), "1", String(bos)],
                                          label: "llama.cpp peer")
        return try JSONDecoder().decode(PeerResult.self, from: data)
    }

    func run() throws {
        BLAS.threadCount = threads
        let t0 = Self.now()
        let lm = try LanguageModel.load(path: model)
        let loadSeconds = Self.now() - t0
        guard let bos = lm.tokenizer.bosID else { throw ValidationError("the tokenizer has no BOS") }
        let tokens = lm.tokenizer.encode(try String(contentsOfFile: text, encoding: .utf8), addBOS: false)
        print("allone-bench eval — \(ProcessInfo.processInfo.activeProcessorCount) cores, BLAS threads \(BLAS.threadCount), \(BLAS.configuration)")
        print("model \(model) (\(lm.format)), ctx \(ctx), \(min(maxTokens, tokens.count)) tokens, best of \(repeats); load \(String(format: "%.2f", loadSeconds)) s")
        // Rounds alternate ours dense, the peer and ours low-rank, so that a change in the load of the
        // machine during the benchmark hits all three alike; the best of the rounds is reported.
        var low: LlamaModel?
        var denseBest = Best(), lowBest = Best()
        var peer: PeerResult?
        var peerAvailable = true
        var denseRSS = 0.0
        for round in 0..<max(1, repeats) {
            try measure(lm.model, tokens, bos: bos, into: &denseBest)
            if round == 0 {
                // Peak memory of eval alone, before the low-rank copy exists.
                denseRSS = Self.peakRSSMiB()
                if lowRankRatio > 0 { low = try Self.lowRankCopy(lm.model, ratio: lowRankRatio) }
            }
            if peerAvailable, let p = try runPeer(tokens: tokens, bos: bos) {
                if peer == nil || p.seconds < peer!.seconds { peer = p }
            } else {
                peerAvailable = false
            }
            if let low { try measure(low, tokens, bos: bos, into: &lowBest) }
        }
        let dense = denseBest.result!, denseCPU = denseBest.cpu
        print(String(format: "ours dense     | %8.1f tokens/s | ppl %.4f | %.3f s | %.3f CPU s (%.1f tokens per CPU-second)",
                     dense.tokensPerSecond, dense.perplexity, dense.seconds, denseCPU, Double(dense.tokens) / denseCPU))
        print(String(format: "peak RSS (ours, after dense eval) %.1f MiB", denseRSS))
        if let peer {
            let peerRate = Double(peer.tokens) / peer.seconds
            print(String(format: "llama.cpp F32  | %8.1f tokens/s | ppl %.4f | %.3f s | peak RSS %.1f MiB", peerRate, peer.perplexity, peer.seconds, peer.peak_rss_mib))
            print(String(format: "ratio ours / llama.cpp: %.2fx", dense.tokensPerSecond / peerRate))
        } else {
            print("llama.cpp peer: not available (\(python) without llama_cpp, or \(peerModel) missing) — ours alone")
        }
        if let low, let lr = lowBest.result {
            let lrCPU = lowBest.cpu
            let flopRatio = Double(Self.linearMACs(lm.model)) / Double(Self.linearMACs(low))
            let speedup = lr.tokensPerSecond / dense.tokensPerSecond
            print(String(format: "ours low-rank  | %8.1f tokens/s | (random factors, block linears %.1fx smaller) | %.3f CPU s",
                         lr.tokensPerSecond, lowRankRatio, lrCPU))
            print(String(format: "low-rank speed-up %.2fx wall (%.2fx CPU time) vs linear-layer FLOP ratio %.2fx → %.2f (%.2f) of the FLOP ratio",
                         speedup, denseCPU / lrCPU, flopRatio, speedup / flopRatio, denseCPU / lrCPU / flopRatio))
        }
    }
}
