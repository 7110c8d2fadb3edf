import AlloneCompress
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `allone-bench compress`: the whole `allone-compress compress --method masvd --allocate uniform`
/// of a model with calibration statistics, side by side with the straightforward numpy/scipy
/// implementation of the same algorithm (`bench/numpy_masvd.py`), each as a child process with the
/// same OpenBLAS thread count; wall time and peak RSS (`wait4` rusage) of each, and the ratios.
struct CompressBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "compress --method masvd vs a numpy baseline: wall time and peak RSS (see docs/BENCHMARKS.md).")

    @Option(help: "Model (GGUF, as the numpy baseline reads it with gguf-py).")
    var model: String = "Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Statistics file (bench/make_stats.py or `allone-compress calibrate`).")
    var stats: String

    @Option(help: "Fraction of linear parameters removed.")
    var ratio: Double = 0.3

    @Option(help: "Python with numpy, scipy, safetensors and gguf.")
    var python: String = ".venv-peers/bin/python"

    @Option(help: "The allone-compress executable.")
    var executable: String = ".build/release/allone-compress"

    @Option(help: "OpenBLAS threads, both sides.")
    var threads: Int = 1

    @Option(help: "Folder for the outputs (removed afterwards).")
    var workdir: String = FileManager.default.temporaryDirectory.path

    /// Runs `argv` as a child with `env`, returning wall seconds, peak RSS (bytes) and status.
    static func measure(_ argv: [String], env: [String: String]) throws -> (seconds: Double, peakRSS: Int, status: Int32, output: String) {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("bench-out-\(UUID().uuidString)").path
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var merged = ProcessInfo.processInfo.environment
        for (k, v) in env { merged[k] = v }
        let cargs = argv.map { strdup($0) } + [nil]
        let cenv = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cargs.forEach { free($0) }; cenv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cargs, cenv)
        guard rc == 0 else { throw ValidationError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &status, 0, &usage)
        let seconds = Date().timeIntervalSince(start)
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outPath)
        return (seconds, Int(usage.ru_maxrss) * 1024, (status >> 8) & 0xff, output)
    }

    func run() throws {
        let dir = URL(fileURLWithPath: workdir).appendingPathComponent("allone-bench-compress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["OPENBLAS_NUM_THREADS": String(threads), "OMP_NUM_THREADS": String(threads)]
        let denseF32 = try Checkpoints.open(model).parameterCount * 4
        let swiftOut = dir.appendingPathComponent("swift.safetensors").path
        let s = try Self.measure([executable, "compress", model, "--method", "masvd", "--allocate", "uniform", "--ratio", String(ratio),
                                  "--stats", stats, "--out", swiftOut, "--quiet"], env: env)
        guard s.status == 0 else { throw ValidationError("allone-compress failed: \(s.output)") }
        let swiftBytes = (try? FileManager.default.attributesOfItem(atPath: swiftOut)[.size] as? Int) ?? 0
        try? FileManager.default.removeItem(atPath: swiftOut)
        let p = try Self.measure([python, "bench/numpy_masvd.py", model, stats, dir.appendingPathComponent("numpy.safetensors").path, String(ratio)], env: env)
        guard p.status == 0 else { throw ValidationError("numpy baseline failed: \(p.output)") }
        func mib(_ b: Int) -> String { String(format: "%.0f MiB", Double(b) / 1_048_576) }
        print("model: \(model) (dense F32 \(mib(denseF32))), ratio \(ratio), OPENBLAS_NUM_THREADS=\(threads)")
        print(String(format: "allone-compress masvd: %.1f s, peak RSS %@ (%.2f× dense F32), output %@", s.seconds, mib(s.peakRSS),
                     Double(s.peakRSS) / Double(denseF32), mib(swiftBytes ?? 0)))
        print(String(format: "numpy baseline:        %.1f s, peak RSS %@", p.seconds, mib(p.peakRSS)))
        print(String(format: "speed-up %.2f×, RSS ratio (swift/numpy) %.2f", p.seconds / s.seconds, Double(s.peakRSS) / Double(p.peakRSS)))
    }
}
