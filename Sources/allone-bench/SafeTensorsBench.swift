import AlloneCompress
import ArgumentParser
import Foundation

/// `allone-bench safetensors`: open a checkpoint and read every tensor to Float32, side by side
/// with Python `safetensors` + numpy doing the same (`bench/peer_safetensors_load.py`).
struct SafeTensorsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safetensors",
        abstract: "Read every tensor of a safetensors checkpoint to Float32, vs Python safetensors + numpy.",
        discussion: "Make the SmolLM2 checkpoints first: .venv-peers/bin/python bench/make_smollm2_safetensors.py")

    @Option(name: .customLong("file"), help: "A .safetensors file (repeatable).")
    var files: [String] = ["/tmp/allone-smollm2/SmolLM2-135M-Instruct.F32.safetensors",
                           "/tmp/allone-smollm2/SmolLM2-135M-Instruct.BF16.safetensors"]

    @Option(help: "Timed repetitions of the full load; the best is reported (both sides).")
    var repeats = 3

    @Option(help: "Timed opens (header parse and validation); the best is reported.")
    var opens = 20

    @Option(help: "Python interpreter of the peer.")
    var python = ".venv-peers/bin/python"

    @Option(help: "The peer script.")
    var peer = "bench/peer_safetensors_load.py"

    @Flag(help: "Skip the Python peer.")
    var noPeer = false

    struct PeerResult: Decodable {
        let open_s: Double
        let load_s: Double
        let tensors: Int
        let elements: Int
        let checksum: Double
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Resident set size in KiB (from /proc/self/statm).
    static func residentKiB() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
        let f = s.split(separator: " ")
        guard f.count > 1, let pages = Int(f[1]) else { return -1 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    func runPeer(_ file: String) throws -> PeerResult {
        let data = try PeerProcess.output(python: python, [peer, file, String(repeats)], label: "peer on \(file)")
        return try JSONDecoder().decode(PeerResult.self, from: data)
    }

    func run() throws {
        let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset"
        print("allone-bench safetensors — \(ProcessInfo.processInfo.activeProcessorCount) cores, Swift single-threaded, OPENBLAS_NUM_THREADS=\(threads), best of \(repeats)")
        print("file | dtype | bytes | open Swift | open Python | RSS after open | load Swift | load Python | speed-up")
        for file in files {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ValidationError("\(file) not found; run bench/make_smollm2_safetensors.py first")
            }
            // Opening: header parse + validation only (the data is mapped, not read).
            var bestOpen = Double.infinity
            let rssBefore = Self.residentKiB()
            var rssAfter = 0
            for _ in 0..<max(1, opens) {
                let t0 = Self.now()
                let f = try SafeTensorsFile(path: file)
                bestOpen = min(bestOpen, Self.now() - t0)
                rssAfter = Self.residentKiB()
                _ = f.tensors.count
            }
            // Loading: open, then every tensor to Float32.
            var bestLoad = Double.infinity
            var checksum = 0.0, elements = 0, count = 0
            var dtypes = Set<String>()
            for _ in 0..<repeats {
                checksum = 0; elements = 0
                let t0 = Self.now()
                let f = try SafeTensorsFile(path: file)
                for info in f.tensors {
                    let t = try f.float32(info.name)
                    elements += t.count
                    if let first = t.storage.first { checksum += Double(first) }
                }
                bestLoad = min(bestLoad, Self.now() - t0)
                count = f.tensors.count
                dtypes = Set(f.tensors.map(\.storage.description))
            }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            let name = (file as NSString).lastPathComponent
            let dt = dtypes.sorted().joined(separator: ",")
            func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
            let rss = rssAfter - rssBefore
            let swiftSide = "\(f(bestOpen * 1e3, 3)) ms"
            let loadSide = "\(f(bestLoad, 3)) s (\(f(Double(elements * 4) / bestLoad / 1e9, 2)) GB/s of Float32)"
            if noPeer {
                print("\(name) | \(dt) | \(bytes) | \(swiftSide) | – | \(rss >= 0 ? "+" : "")\(rss) KiB | \(loadSide) | – | –")
                continue
            }
            let py = try runPeer(file)
            guard py.elements == elements, py.tensors == count else {
                throw ValidationError("peer read \(py.tensors) tensors / \(py.elements) values, Swift \(count) / \(elements)")
            }
            guard abs(py.checksum - checksum) <= 1e-9 * max(1, abs(checksum)) else {
                throw ValidationError("checksums differ: Swift \(checksum), Python \(py.checksum)")
            }
            print("\(name) | \(dt) | \(bytes) | \(swiftSide) | \(f(py.open_s * 1e3, 3)) ms | \(rss >= 0 ? "+" : "")\(rss) KiB | "
                  + "\(loadSide) | \(f(py.load_s, 3)) s | \(f(py.load_s / bestLoad, 2))×")
        }
    }
}
