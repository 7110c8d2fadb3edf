import AlloneCompress
import ArgumentParser
import Foundation

/// `allone-bench gguf`: dequantize every tensor of a GGUF model to Float32, side by side with
/// gguf-py (`GGUFReader` + `gguf.quants.dequantize`) run in the same invocation, and time opening.
struct GGUFBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gguf",
        abstract: "GGUF open + dequantize-all vs gguf-py (see docs/BENCHMARKS.md, \"GGUF dequantization\")."
    )

    @Option(help: "GGUF model to read.")
    var model = "Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Timed repetitions; the best is reported.")
    var repeats = 3

    @Option(help: "Comma-separated worker counts to time for the Swift dequantizer.")
    var threads = "1,2"

    @Option(help: "Python with gguf 0.19.0 and numpy for the peer run.")
    var python = ".venv-peers/bin/python"

    @Option(help: "Peer script.")
    var peerScript = "bench/peer_gguf_dequant.py"

    @Flag(help: "Skip the gguf-py peer.")
    var noPeer = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("no such model: \(model)") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--threads: positive integers, e.g. 1,2") }
    }

    var threadCounts: [Int] { threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// CPU time of the whole process (all threads), seconds.
    static func cpu() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func run() throws {
        // Opening: O(header). Best of many, since it is short.
        var openBest = Double.infinity
        var file = try GGUFFile(path: model)
        for _ in 0..<max(5, repeats) {
            let t0 = Self.now()
            file = try GGUFFile(path: model)
            openBest = min(openBest, Self.now() - t0)
        }
        let elements = file.ggufTensors.reduce(0) { $0 + $1.elementCount }
        let bytes = file.ggufTensors.reduce(0) { $0 + $1.byteCount }
        let types = Dictionary(grouping: file.ggufTensors, by: \.type.name).map { "\($0.key)×\($0.value.count)" }.sorted()
        print("model: \(model)")
        print("  \(file.formatDescription), \(file.ggufTensors.count) tensors (\(types.joined(separator: ", "))), "
              + "\(elements) values, \(bytes) bytes of tensor data, header \(file.dataOffset) bytes")
        print(String(format: "swift open (GGUFFile):            %9.3f ms", openBest * 1e3))

        var swiftBest: [Int: Double] = [:]
        var swiftCPU: [Int: Double] = [:]
        var sink: Float = 0
        for n in threadCounts {
            var best = Double.infinity
            var bestCPU = Double.infinity
            for _ in 0..<repeats {
                let c0 = Self.cpu()
                let t0 = Self.now()
                for t in file.ggufTensors {
                    let v = try file.withTensorBytes(t.name) {
                        try GGMLDequantize.dequantize(t.type, blocks: $0, count: t.elementCount, threads: n)
                    }
                    sink += v[v.count / 2]
                }
                best = min(best, Self.now() - t0)
                bestCPU = min(bestCPU, Self.cpu() - c0)
            }
            swiftBest[n] = best
            swiftCPU[n] = bestCPU
            print(String(format: "swift dequantize all, %d thread(s): %9.3f s  (%.0f M values/s), CPU time %.3f s",
                         n, best, Double(elements) / best / 1e6, bestCPU))
        }
        // The same work into one reused buffer: the conversion alone, without first-touch page faults.
        let largest = file.ggufTensors.map(\.elementCount).max() ?? 0
        var buffer = [Float](repeating: 0, count: largest)
        for n in threadCounts {
            var best = Double.infinity
            var byType: [String: (time: Double, values: Int)] = [:]
            for _ in 0..<repeats {
                var perType: [String: (time: Double, values: Int)] = [:]
                let t0 = Self.now()
                try buffer.withUnsafeMutableBufferPointer { out in
                    for t in file.ggufTensors {
                        let s = Self.now()
                        try file.withTensorBytes(t.name) {
                            try GGMLDequantize.dequantize(t.type, blocks: $0, count: t.elementCount, into: out, threads: n)
                        }
                        let e = perType[t.type.name] ?? (0, 0)
                        perType[t.type.name] = (e.time + Self.now() - s, e.values + t.elementCount)
                    }
                }
                let total = Self.now() - t0
                if total < best { best = total; byType = perType }
            }
            sink += buffer[largest / 2]
            let detail = byType.sorted { $0.key < $1.key }
                .map { String(format: "%@ %.0f M/s", $0.key, Double($0.value.values) / $0.value.time / 1e6) }
            print(String(format: "  (into a reused buffer, %d thread(s): %9.3f s, %.0f M values/s; ", n, best, Double(elements) / best / 1e6)
                  + detail.joined(separator: ", ") + ")")
        }

        guard !noPeer else { return }
        let json = try PeerProcess.json(python: python, [peerScript, model, String(repeats)], label: "gguf-py peer")
        guard let pyOpen = json["open_s"] as? Double, let pyDeq = json["dequant_s"] as? Double,
              let pyCPU = json["dequant_cpu_s"] as? Double else {
            throw ValidationError("gguf-py peer printed no open_s/dequant_s/dequant_cpu_s: \(json)")
        }
        print(String(format: "gguf-py open (GGUFReader):         %9.3f ms", pyOpen * 1e3))
        print(String(format: "gguf-py dequantize all (numpy %@): %9.3f s  (%.0f M values/s), CPU time %.3f s",
                     (json["numpy"] as? String) ?? "?", pyDeq, Double(elements) / pyDeq / 1e6, pyCPU))
        print(String(format: "ratio open: %.1f×", pyOpen / openBest))
        for n in threadCounts.sorted() {
            print(String(format: "ratio dequantize, swift %d thread(s) vs gguf-py: %.1f× wall clock, %.1f× CPU time",
                         n, pyDeq / swiftBest[n]!, pyCPU / swiftCPU[n]!))
        }
        if (json["elements"] as? Int) != elements { print("warning: peer counted \(json["elements"] ?? "?") values") }
        _ = sink
    }
}
