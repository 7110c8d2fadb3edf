import ArgumentParser
import AlloneCompress
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `allone-compress compress MODEL --method … (--ratio R | --bytes N) --out OUT`.
struct CompressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Factorize the block linear layers under one global budget into a compressed checkpoint (docs/FORMAT.md).",
        discussion: "Resumable: a journal OUT.journal/ records finished tensors; rerunning the same command after an interruption continues and gives a byte-identical file."
    )

    @Argument(help: "Input checkpoint (.gguf, .safetensors, index .json, llama2.c .bin).")
    var model: String

    @Option(help: "svd, masvd, asvd, tt or auto.")
    var method: CompressionMethod = .svd

    @Option(help: "Fraction of the block linear parameters to remove, in (0, 1).")
    var ratio: Double?

    @Option(help: "Total bytes of stored tensor data to fit in.")
    var bytes: Int?

    @Option(help: "Calibration statistics file (safetensors: <group>.gram F64 [n,n], <group>.mean_abs F64 [n], metadata tokens).")
    var stats: String?

    @Option(help: "Calibration text (UTF-8), run through the model in-process to record the statistics (any model the runtime loads; otherwise record with `calibrate` and pass --stats).")
    var calibration: String?

    @Option(help: "Tokens of calibration text to use.")
    var calibrationTokens: Int = 2048

    @Option(help: "Window length (including BOS) for --calibration.")
    var calibrationContext: Int = 256

    @Option(help: "llama2.c tokenizer.bin for --calibration (default: beside the model).")
    var tokenizer: String?

    @Option(help: "Rank allocation: uniform or entropy (greedy on the predicted loss, may keep matrices dense).")
    var allocate: Allocation = .uniform

    @Flag(help: "Refit the left factor by least squares on the Gram matrix (masvd).")
    var refit = false

    @Flag(inversion: .prefixedNo, help: "Sequential calibration (masvd, needs --calibration): block by block, fit each matrix to the inputs of the already-compressed model. Default: on for --method masvd --allocate entropy --calibration TEXT (the best measured configuration, docs/RESULTS.md), off otherwise.")
    var sequential: Bool?

    /// `--sequential` as given, or the default described in its help.
    var effectiveSequential: Bool { sequential ?? (calibration != nil && method == .masvd && allocate == .entropy) }

    @Option(help: "Shrink every Gram matrix before whitening by λ ≥ 0 (masvd): G + λ·mean(diag G)·I, or (1−λ)G + λ·diag(G) with --shrinkage-target diagonal.")
    var shrinkage: Double = 0

    @Option(help: "Shrinkage target: identity or diagonal.")
    var shrinkageTarget: ShrinkageTarget = .identity

    @Option(help: "Loss of --allocate entropy: relative (discarded whitened energy ÷ the matrix's energy), absolute, or residual (relative × the sub-layer's share of the residual stream). Default: residual when the calibration has residual-stream energies (--calibration, or --stats recorded by this version), else relative.")
    var allocationLoss: AllocationLoss?

    @Option(help: "Stored element type: f32, f16 or bf16.")
    var dtype: StoredType = .f32

    @Flag(help: "Write a .safetensors.zst (byte-plane shuffled tensors, one zstd frame).")
    var zstd = false

    @Option(help: "Seed (recorded; the current methods are deterministic).")
    var seed: UInt64 = 0

    @Option(help: "Output file.")
    var out: String

    @Option(help: "Tensors factored at the same time, each with one OpenBLAS thread (default: the cores, at most 4); the output does not depend on it.")
    var workers: Int = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4)

    @Option(name: .customLong("eval"), help: "Evaluation text (UTF-8; not the calibration text): the perplexity of the source and of the written checkpoint on it, by the protocol of `eval` (docs/EVALUATION.md).")
    var evaluation: String?

    @Option(help: "Tokens of the --eval text to score (from its start).")
    var evalTokens: Int = 2048

    @Option(help: "Window length (including BOS) for --eval, as `eval --ctx`.")
    var evalContext: Int = 256

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Print a JSON summary.")
    var json = false

    enum Allocation: String, ExpressibleByArgument, CaseIterable { case uniform, entropy }
    enum StoredType: String, ExpressibleByArgument, CaseIterable { case f32, f16, bf16 }
    enum ShrinkageTarget: String, ExpressibleByArgument, CaseIterable { case identity, diagonal }

    func validate() throws {
        guard (ratio == nil) != (bytes == nil) else { throw ValidationError("give exactly one of --ratio or --bytes") }
        if let r = ratio, !(r > 0 && r < 1) { throw ValidationError("--ratio \(r) is outside (0, 1)") }
        if let b = bytes, b <= 0 { throw ValidationError("--bytes must be positive") }
        if stats != nil && calibration != nil { throw ValidationError("give --stats or --calibration, not both") }
        if out == model { throw ValidationError("--out must differ from the input file") }
        do { try AtomicFile.checkDestination(out) } catch { throw CLIFailure.reject("--out \(error)") }
        if zstd != out.hasSuffix(".zst") {
            throw CLIFailure.reject(zstd ? "--zstd writes a zstd frame: name the output '….safetensors.zst', not \(out)"
                                         : "--out \(out) ends in .zst but --zstd is not given (a plain safetensors would be written)")
        }
        if calibrationTokens <= 0 { throw ValidationError("--calibration-tokens must be positive") }
        if workers < 1 || workers > 64 { throw ValidationError("--workers must be between 1 and 64") }
        if sequential == true && calibration == nil { throw CLIFailure.reject("--sequential needs --calibration (it runs the model on the text)") }
        if sequential == true && method != .masvd { throw CLIFailure.reject("--sequential needs --method masvd") }
        if evalTokens <= 0 { throw CLIFailure.reject("--eval-tokens must be positive") }
        if evalContext < 2 { throw CLIFailure.reject("--eval-context must be at least 2") }
        if let e = evaluation, let c = calibration, let real = TextPerplexity.realPath(e), real == TextPerplexity.realPath(c) {
            throw CLIFailure.reject("--eval \(e) is the calibration text \(c) (\(real)): a model measured on its calibration text flatters the compression; evaluate on another text")
        }
        if !(shrinkage.isFinite && shrinkage >= 0) || (shrinkageTarget == .diagonal && shrinkage > 1) {
            throw CLIFailure.reject("--shrinkage \(shrinkage) must be ≥ 0 (and ≤ 1 for the diagonal target)")
        }
    }

    /// glibc malloc policy for this process's compression: one arena, a fixed 32 MiB mmap threshold and
    /// a 64 MiB trim threshold. The pipeline allocates and frees matrices of 1–20 MB in a few threads;
    /// with glibc's defaults (per-thread arenas, a threshold that moves with the frees) the freed pages
    /// are returned and faulted in again at random — SmolLM2 masvd, two workers: 150K–670K page faults
    /// (once 1.6M, +3 s of system time) and 210–250 MiB peak RSS; with this policy 40–57K faults and
    /// 175–183 MiB (docs/BENCHMARKS.md). Called first thing in `main` for `compress` (before any thread
    /// has an arena of its own). `mallopt` is looked up at run time (not in Swift's Glibc module);
    /// elsewhere this does nothing.
    static func tuneMalloc() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }  // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(-8, 1)         // M_ARENA_MAX
        _ = mallopt(-3, 32 << 20)  // M_MMAP_THRESHOLD (fixed: no dynamic adjustment)
        _ = mallopt(-1, 64 << 20)  // M_TRIM_THRESHOLD
        #endif
    }

    func run() async throws {
        var options = CompressionOptions(
            method: method, budget: ratio.map { .ratio($0) } ?? .bytes(bytes ?? 0),
            allocation: allocate == .entropy ? .greedy : .uniform, refit: refit,
            dtype: dtype == .f32 ? .f32 : (dtype == .f16 ? .f16 : .bf16), zstd: zstd, seed: seed,
            shrinkage: shrinkage == 0 ? .none : (shrinkageTarget == .identity ? .identity(shrinkage) : .diagonal(shrinkage)),
            allocationLoss: allocationLoss ?? .relativeEnergy, sequential: effectiveSequential)
        let progress = TerminalProgress("compress", quiet: quiet || json)
        let evalBody = try evaluation.map { try CLIFailure.readText($0) }
        let calibrationBody = try calibration.map { try CLIFailure.readText($0, for: "calibration") }
        let start = Date()
        var compressedTokenizer = tokenizer
        let (result, densePerplexity) = try CLIErrors.run { () throws -> (CompressionResult, PerplexityResult?) in
            let source = try Checkpoints.openAny(model)
            if source is CompressedCheckpoint { throw ValidationError("\(model) is already a compressed checkpoint") }
            var cal = try stats.map { try CalibrationSet.read(path: $0) }
            var sequentialCalibration: SequentialCalibration? = nil
            var runtimeModel: LanguageModel? = nil
            if let text = calibration, let body = calibrationBody {
                let lm = try Self.runtime(source) { try LanguageModel.load(path: model, tokenizerPath: tokenizer) }
                runtimeModel = lm
                cal = try CalibrationSet.record(model: lm, text: body, maxTokens: calibrationTokens, context: calibrationContext, origin: text, progress: progress)
                if effectiveSequential {
                    sequentialCalibration = try SequentialCalibration(model: lm, text: body, maxTokens: calibrationTokens, context: calibrationContext)
                }
            }
            // The dense perplexity first: a model the runtime cannot run, or an evaluation text that is the
            // calibration text under another name (same bytes), is refused before the compression's work.
            var dense: PerplexityResult? = nil
            if let body = evalBody, let path = evaluation {
                if let sha = cal?.textSHA256, sha == SHA256.hex(Array(body.utf8)) {
                    throw CLIFailure.badInput("--eval \(path) has the same contents as the calibration text (\(cal?.origin ?? "")): evaluate on another text")
                }
                let lm = try runtimeModel ?? Self.runtime(source) { try LanguageModel.open(path: model, tokenizerPath: tokenizer) }
                dense = try TextPerplexity.measure(lm, text: body, textPath: path, context: evalContext, maxTokens: evalTokens)
                // A compressed llama2.c model carries no tokenizer: the source's, found beside it as `load` finds it.
                let dir = (model as NSString).deletingLastPathComponent
                compressedTokenizer = compressedTokenizer ?? ["tok\(lm.model.config.vocabSize).bin", "tokenizer.bin"]
                    .map { (dir as NSString).appendingPathComponent($0) }.first { FileManager.default.fileExists(atPath: $0) }
            }
            runtimeModel = nil
            if allocationLoss == nil, allocate == .entropy, options.method == .masvd || options.method == .auto,
               let energies = cal?.residualEnergy, !energies.isEmpty {
                options.allocationLoss = .residualStream  // the best measured loss (docs/RESULTS.md)
            }
            let c = try Compressor(source: source, calibration: cal)
            c.workers = workers
            c.sequentialCalibration = sequentialCalibration
            let journal = out + ".journal"
            let journalExisted = FileManager.default.fileExists(atPath: journal)
            do {
                return (try c.compress(options: options, to: out, progress: progress), dense)
            } catch {
                if !journalExisted { Self.removeIfEmpty(journal) }  // a refusal leaves nothing behind
                throw error
            }
        }
        let seconds = Date().timeIntervalSince(start)
        // The written checkpoint, loaded natively as `eval` loads it, on the same text and windows.
        let compressedPerplexity = try densePerplexity.map { _ in
            try CLIErrors.run {
                try TextPerplexity.measure(try LanguageModel.open(path: result.path, tokenizerPath: compressedTokenizer), text: evalBody ?? "",
                                           textPath: evaluation ?? "", context: evalContext, maxTokens: evalTokens)
            }
        }
        let m = result.manifest
        let counts = Dictionary(grouping: m.tensors, by: \.method).mapValues(\.count)
        if json {
            var obj: [String: Any] = [
                "path": result.path, "file_bytes": result.fileBytes, "tensor_bytes": result.tensorBytes,
                "method": m.method, "allocation": m.allocation, "allocation_loss": m.allocationLoss ?? "relative", "sequential": m.sequential ?? false, "seconds": seconds,
                "linear_parameters_before": m.parameters.linearBefore, "linear_parameters_after": m.parameters.linearAfter,
                "linear_fraction_removed": m.parameters.linearFractionRemoved,
                "parameters_before": m.parameters.totalBefore, "parameters_after": m.parameters.totalAfter,
                "resumed_tensors": result.resumedTensors, "computed_tensors": result.computedTensors, "methods": counts,
            ]
            if let p = result.plainZstdBytes { obj["plain_zstd_bytes"] = p }
            if let d = densePerplexity, let c = compressedPerplexity {
                obj["eval"] = [
                    "text": evaluation ?? "", "tokens": c.tokens, "windows": c.windows, "context": c.context,
                    "dense_perplexity": d.perplexity, "compressed_perplexity": c.perplexity,
                    "relative_increase": c.perplexity / d.perplexity - 1,
                ] as [String: Any]
            }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else if !quiet {
            let pct = String(format: "%.1f", 100 * m.parameters.linearFractionRemoved)
            print("wrote \(result.path): \(CheckpointSummary.grouped(result.fileBytes)) bytes; linear parameters \(CheckpointSummary.grouped(m.parameters.linearBefore)) → \(CheckpointSummary.grouped(m.parameters.linearAfter)) (\(pct)% removed)")
            print("tensors: " + counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
                  + (result.resumedTensors > 0 ? "; \(result.resumedTensors) resumed from the journal" : ""))
            if let p = result.plainZstdBytes {
                let gain = String(format: "%.1f", 100 * (1 - Double(result.fileBytes) / Double(max(p, 1))))
                print("zstd with byte shuffling: \(CheckpointSummary.grouped(result.fileBytes)) bytes vs plain zstd \(CheckpointSummary.grouped(p)) (\(gain)% smaller)")
            }
            if let d = densePerplexity, let c = compressedPerplexity {
                let increase = String(format: "%+.2f", 100 * (c.perplexity / d.perplexity - 1))
                print("perplexity on \(evaluation ?? "") (\(c.tokens) tokens, windows of \(c.context)): dense \(String(format: "%.4f", d.perplexity)) → compressed \(String(format: "%.4f", c.perplexity)) (\(increase)%)")
            } else {
                print("perplexity not measured: add --eval TEXT (not the calibration text), or run `allone-compress eval \(result.path) --text TEXT` and the same on \(model)")
            }
        }
    }
}

extension CompressCommand {
    /// Runs a runtime load of the source; a NaN/Inf weight it stops at is reported as the compressor
    /// reports it (every such tensor named, `Compressor.checkFinite`), whatever the method.
    static func runtime<T>(_ source: any WeightSource, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ReferenceLMError {
            if case .nonFinite = e { try Compressor.checkFinite(source) }
            throw e
        }
    }

    /// Removes `folder` if it holds no files (empty sub-folders only).
    static func removeIfEmpty(_ folder: String) {
        let fm = FileManager.default
        guard let items = fm.enumerator(atPath: folder) else { return }
        for case let item as String in items {
            var isDir: ObjCBool = false
            if !fm.fileExists(atPath: folder + "/" + item, isDirectory: &isDir) || !isDir.boolValue { return }
        }
        try? fm.removeItem(atPath: folder)
    }
}

extension CompressionMethod: ExpressibleByArgument {}
extension AllocationLoss: ExpressibleByArgument {}
