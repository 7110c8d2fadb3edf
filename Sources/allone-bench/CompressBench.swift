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
/// numpy's speed depends on its OpenBLAS thread count in both directions on a small machine (its
/// LAPACK calls do not scale), so `--numpy-threads` may list several counts: the speed-up is
/// reported against each and against numpy's fastest. Before every timed child the page cache's
/// dirty data is flushed (`sync`), so that neither side pays for writing back the other's output,
/// and the machine idles `--settle` seconds (this VM's cores run measurably slower for a while after
/// sustained load: the same compress took 10.3 s right after 40 s of load on both cores and 9.1 s
/// after 30 s idle), so that each side starts from the same rested state; `--repeat N` alternates
/// the sides N times and reports medians. Both inputs (model and statistics) are read once, untimed,
/// before the first timed run, so that the first side to run does not pay alone for a page cache
/// another job emptied (a compress right after a CI run took 17.5 s instead of 9.3 s).
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

    @Option(help: "OpenBLAS thread counts for the numpy baseline, comma-separated (default: --threads); the speed-up is given against each and against the fastest.")
    var numpyThreads: String?

    @Option(name: .customLong("repeat"), help: "Runs of each side, alternating; medians are reported.")
    var repeats: Int = 1

    @Option(help: "Seconds of idle before every timed run (after a sync), so that each starts from the same rested machine.")
    var settle: Double = 20

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

    /// Reads the file at `path` once from start to end (8 MiB at a time), discarding the bytes.
    static func readThrough(_ path: String) throws {
        guard let h = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
        defer { try? h.close() }
        while let chunk = try h.read(upToCount: 8 << 20), !chunk.isEmpty {}
    }

    /// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), for the report.
    static var loadAverage: String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard ratio > 0, ratio < 1 else { throw ValidationError("--ratio must be in (0, 1)") }
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard settle >= 0, settle.isFinite else { throw ValidationError("--settle must be a non-negative number of seconds") }
        guard numpyThreadCounts.allSatisfy({ $0 >= 1 }), !numpyThreadCounts.isEmpty else {
            throw ValidationError("--numpy-threads must list positive integers, e.g. 1,2")
        }
    }

    /// `--numpy-threads` parsed (0 marks an unparsable entry, refused by `validate`).
    var numpyThreadCounts: [Int] {
        guard let list = numpyThreads else { return [threads] }
        return list.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 }
    }

    /// The median of `xs` (the mean of the middle two for an even count).
    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
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
        let denseF32 = try Checkpoints.open(model).parameterCount * 4
        let swiftOut = dir.appendingPathComponent("swift.safetensors").path, numpyOut = dir.appendingPathComponent("numpy.safetensors").path
        func mib(_ b: Int) -> String { String(format: "%.0f MiB", Double(b) / 1_048_576) }
        // Warm the page cache with both inputs (untimed): every timed run then reads them from memory.
        for path in [model, statsPath] { try Self.readThrough(path) }
        let loadBefore = Self.loadAverage
        var ours: [Measurement] = [], swiftBytes = 0
        var theirs: [Int: [Measurement]] = [:]
        for _ in 0..<repeats {
            // Ours: `threads` tensors in flight, one OpenBLAS thread each (the CLI sets that itself).
            sync(); Thread.sleep(forTimeInterval: settle)
            let s = try Self.measure([executable, "compress", model, "--method", "masvd", "--allocate", "uniform", "--ratio", String(ratio),
                                      "--stats", statsPath, "--out", swiftOut, "--quiet", "--workers", String(threads)],
                                     env: ["OPENBLAS_NUM_THREADS": String(threads), "OMP_NUM_THREADS": String(threads)])
            guard s.status == 0 else { throw ValidationError("allone-compress failed: \(s.output)") }
            swiftBytes = (try? FileManager.default.attributesOfItem(atPath: swiftOut)[.size] as? Int) ?? 0
            try? FileManager.default.removeItem(atPath: swiftOut)
            ours.append(s)
            for t in numpyThreadCounts {
                sync(); Thread.sleep(forTimeInterval: settle)
                let p = try Self.measure([python, "bench/numpy_masvd.py", model, statsPath, numpyOut, String(ratio)],
                                         env: ["OPENBLAS_NUM_THREADS": String(t), "OMP_NUM_THREADS": String(t)])
                guard p.status == 0 else { throw ValidationError("numpy baseline failed: \(p.output)") }
                try? FileManager.default.removeItem(atPath: numpyOut)
                theirs[t, default: []].append(p)
            }
        }
        let runs = (repeats > 1 ? " (median of \(repeats) alternating runs)" : "") + String(format: ", %.0f s idle before each", settle)
        print("model: \(model) (dense F32 \(mib(denseF32))), ratio \(ratio); allone-compress: --workers \(threads), 1 OpenBLAS thread each; " +
              "numpy: OPENBLAS_NUM_THREADS=\(numpyThreadCounts.map(String.init).joined(separator: ", "))\(runs); inputs read once before timing")
        print("load average before: \(loadBefore), after: \(Self.loadAverage) (2-core machine; other work inflates wall times)")
        let sWall = Self.median(ours.map(\.seconds)), sCPU = Self.median(ours.map(\.cpuSeconds))
        let sRSS = ours.map(\.peakRSS).max() ?? 0
        print(String(format: "allone-compress masvd: %.1f s wall, %.1f s CPU, peak RSS %@ (%.2f× dense F32), output %@%@", sWall, sCPU,
                     mib(sRSS), Double(sRSS) / Double(denseF32), mib(swiftBytes),
                     repeats > 1 ? " — walls " + ours.map { String(format: "%.1f", $0.seconds) }.joined(separator: ", ") + " s" : ""))
        var best: (threads: Int, wall: Double)? = nil
        for t in numpyThreadCounts {
            let ms = theirs[t] ?? []
            let wall = Self.median(ms.map(\.seconds)), cpu = Self.median(ms.map(\.cpuSeconds)), rss = ms.map(\.peakRSS).max() ?? 0
            print(String(format: "numpy baseline, %d thread%@: %.1f s wall, %.1f s CPU, peak RSS %@ — speed-up %.2f× (wall), %.2f× (CPU time)%@",
                         t, t == 1 ? "" : "s", wall, cpu, mib(rss), wall / sWall, cpu / sCPU,
                         repeats > 1 ? "; walls " + ms.map { String(format: "%.1f", $0.seconds) }.joined(separator: ", ") + " s" : ""))
            if best == nil || wall < best!.wall { best = (t, wall) }
        }
        if let b = best, numpyThreadCounts.count > 1 {
            print(String(format: "speed-up against numpy's fastest configuration (%d thread%@): %.2f× (wall)", b.threads, b.threads == 1 ? "" : "s", b.wall / sWall))
        }
    }
}
