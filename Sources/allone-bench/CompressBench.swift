import AlloneCompress
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `allone-bench compress`: the whole `allone-compress compress --method masvd --allocate uniform`
/// of a model with real calibration statistics, side by side with the straightforward numpy/scipy
/// implementation of the same algorithm (`bench/numpy_masvd.py`), each as a child process with the
/// same thread count; wall time, CPU time and peak RSS (`wait4` rusage) of each, and the ratios.
///
/// The statistics file is an input both sides read: recorded beforehand by our own
/// `allone-compress calibrate` on `--calibration-text` (untimed; or pass `--stats`), so neither side
/// pays for calibration in the timings.
struct CompressBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "compress --method masvd vs a numpy baseline: wall time, CPU time and peak RSS (see docs/BENCHMARKS.md).")

    @Option(help: "Model (GGUF, as the numpy baseline reads it with gguf-py).")
    var model: String = "Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Statistics file (`allone-compress calibrate` layout); when absent, recorded first (untimed) from --calibration-text.")
    var stats: String?

    @Option(help: "Calibration text for the statistics when --stats is absent.")
    var calibrationText: String = "Fixtures/corpus/austen_pride_and_prejudice.txt"

    @Option(help: "Calibration tokens for the statistics when --stats is absent.")
    var calibrationTokens: Int = 2048

    @Option(help: "Fraction of linear parameters removed.")
    var ratio: Double = 0.3

    @Option(help: "Python with numpy, scipy, safetensors and gguf.")
    var python: String = ".venv-peers/bin/python"

    @Option(help: "The allone-compress executable.")
    var executable: String = ".build/release/allone-compress"

    @Option(help: "Threads, both sides: OPENBLAS_NUM_THREADS for numpy; --workers N (one OpenBLAS thread each) for allone-compress.")
    var threads: Int = 1

    @Option(help: "Folder for the outputs (removed afterwards).")
    var workdir: String = FileManager.default.temporaryDirectory.path

    /// What `measure` reports for one child process.
    struct Measurement {
        var seconds: Double
        var cpuSeconds: Double
        var peakRSS: Int
        var status: Int32
        var output: String
    }

    /// Runs `argv` as a child with `env`, returning wall seconds, user+system CPU seconds, peak RSS
    /// (bytes) and status, all from `wait4`.
    static func measure(_ argv: [String], env: [String: String]) throws -> Measurement {
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
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return Measurement(seconds: seconds, cpuSeconds: s(usage.ru_utime) + s(usage.ru_stime), peakRSS: Int(usage.ru_maxrss) * 1024,
                           status: (status >> 8) & 0xff, output: output)
    }

    /// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), for the report.
    static var loadAverage: String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard ratio > 0, ratio < 1 else { throw ValidationError("--ratio must be in (0, 1)") }
    }

    func run() throws {
        let dir = URL(fileURLWithPath: workdir).appendingPathComponent("allone-bench-compress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let statsPath: String
        if let s = stats { statsPath = s } else {
            statsPath = dir.appendingPathComponent("stats.safetensors").path
            let c = try Self.measure([executable, "calibrate", model, "--text", calibrationText, "--tokens", String(calibrationTokens),
                                      "--out", statsPath], env: ["OPENBLAS_NUM_THREADS": String(threads)])
            guard c.status == 0 else { throw ValidationError("allone-compress calibrate failed: \(c.output)") }
            print(String(format: "statistics: %@, %d tokens of %@ (recorded by allone-compress calibrate in %.1f s, not timed below)",
                         statsPath, calibrationTokens, calibrationText, c.seconds))
        }
        let env = ["OPENBLAS_NUM_THREADS": String(threads), "OMP_NUM_THREADS": String(threads)]
        let denseF32 = try Checkpoints.open(model).parameterCount * 4
        let swiftOut = dir.appendingPathComponent("swift.safetensors").path
        let loadBefore = Self.loadAverage
        // Ours: `threads` tensors in flight, one OpenBLAS thread each (the CLI sets that itself).
        let s = try Self.measure([executable, "compress", model, "--method", "masvd", "--allocate", "uniform", "--ratio", String(ratio),
                                  "--stats", statsPath, "--out", swiftOut, "--quiet", "--workers", String(threads)], env: env)
        guard s.status == 0 else { throw ValidationError("allone-compress failed: \(s.output)") }
        let swiftBytes = (try? FileManager.default.attributesOfItem(atPath: swiftOut)[.size] as? Int) ?? 0
        try? FileManager.default.removeItem(atPath: swiftOut)
        let p = try Self.measure([python, "bench/numpy_masvd.py", model, statsPath, dir.appendingPathComponent("numpy.safetensors").path, String(ratio)], env: env)
        guard p.status == 0 else { throw ValidationError("numpy baseline failed: \(p.output)") }
        func mib(_ b: Int) -> String { String(format: "%.0f MiB", Double(b) / 1_048_576) }
        print("model: \(model) (dense F32 \(mib(denseF32))), ratio \(ratio), threads \(threads) each side " +
              "(numpy: OPENBLAS_NUM_THREADS=\(threads); allone-compress: --workers \(threads), 1 OpenBLAS thread each)")
        print("load average before: \(loadBefore), after: \(Self.loadAverage) (2-core machine; other work inflates wall times)")
        print(String(format: "allone-compress masvd: %.1f s wall, %.1f s CPU, peak RSS %@ (%.2f× dense F32), output %@", s.seconds, s.cpuSeconds,
                     mib(s.peakRSS), Double(s.peakRSS) / Double(denseF32), mib(swiftBytes)))
        print(String(format: "numpy baseline:        %.1f s wall, %.1f s CPU, peak RSS %@", p.seconds, p.cpuSeconds, mib(p.peakRSS)))
        print(String(format: "speed-up %.2f× (wall), %.2f× (CPU time); RSS ratio (swift/numpy) %.2f", p.seconds / s.seconds,
                     p.cpuSeconds / s.cpuSeconds, Double(s.peakRSS) / Double(p.peakRSS)))
    }
}
