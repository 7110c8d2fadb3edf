import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-bench quantum`: StateVectorSimulator vs qulacs on the same seeded random circuits, single
/// thread, side by side in one run (qulacs runs in `bench/peer_qulacs.py`).
struct QuantumBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantum",
        abstract: "State-vector simulator vs qulacs (gates/s, GB/s vs the bandwidth bound), single thread."
    )

    @Option(help: "Qubit counts, comma-separated") var qubits = "16,18,20,22,24"
    @Option(help: "Gates per circuit") var gates = 200
    @Option(help: "Circuit seed") var seed: UInt64 = 7
    @Option(help: "Repeats (best of)") var repeats = 3
    @Option(help: "Python with qulacs") var python = "/work/venvs/quantum/bin/python"
    @Option(help: "The peer script") var peer = "bench/peer_qulacs.py"
    @Flag(help: "Print JSON") var json = false

    func run() throws {
        let ns = qubits.split(separator: ",").compactMap { Int($0) }
        guard !ns.isEmpty, ns.allSatisfy({ $0 >= 2 && $0 <= 28 }) else { throw ValidationError("--qubits: integers in 2…28") }
        guard FileManager.default.isExecutableFile(atPath: python) else { throw ValidationError("--python \(python) is not executable (pip install qulacs in a venv)") }
        var rows: [[String: Any]] = []
        if !json {
            print("qubits gates | ours gates/s  fused gates/s | qulacs gates/s | ratio (ours/qulacs) fused | ours GB/s  qulacs GB/s  bound GB/s | checksum 2ⁿΣ|ψ|⁴ ours / qulacs")
        }
        for n in ns {
            let c = try SimulatorBenchmark.randomCircuit(qubits: n, gates: gates, seed: seed &+ UInt64(n))
            let specPath = FileManager.default.temporaryDirectory.appendingPathComponent("allone-qbench-\(n)-\(getpid()).json").path
            try SimulatorBenchmark.json(c).write(toFile: specPath, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: specPath) }

            let plain = try SimulatorBenchmark.time(c, fusion: false, repeats: repeats)
            let fused = try SimulatorBenchmark.time(c, fusion: true, repeats: repeats)
            let bound = SimulatorBenchmark.streamBandwidth(qubits: n)

            let obj = try PeerProcess.json(python: python, [peer, specPath, String(repeats)],
                                           environment: ["OMP_NUM_THREADS": "1", "QULACS_PARALLEL_NQUBIT_THRESHOLD": "64"], label: "qulacs peer")
            guard let secs = obj["seconds"] as? Double, let z = obj["ipr"] as? Double else {
                throw ValidationError("qulacs peer printed no seconds/ipr: \(obj)")
            }
            let peerRate = Double(gates) / secs
            let peerGB = Double(gates) * Double(1 << n) * 32 / secs / 1e9
            rows.append(["qubits": n, "gates": gates, "ours_gates_per_s": plain.gatesPerSecond, "ours_fused_gates_per_s": fused.gatesPerSecond,
                         "qulacs_gates_per_s": peerRate, "ratio": plain.gatesPerSecond / peerRate, "ratio_fused": fused.gatesPerSecond / peerRate,
                         "ours_GBps": plain.effectiveGBps, "qulacs_GBps": peerGB, "bound_GBps": bound,
                         "checksum_ours": plain.checksum, "checksum_qulacs": z])
            if !json {
                print(String(format: "%6d %5d | %12.0f %14.0f | %14.0f | %6.2f× %6.2f× | %9.2f %12.2f %11.2f | %.9f / %.9f",
                             n, gates, plain.gatesPerSecond, fused.gatesPerSecond, peerRate, plain.gatesPerSecond / peerRate,
                             fused.gatesPerSecond / peerRate, plain.effectiveGBps, peerGB, bound, plain.checksum, z))
            }
        }
        if json {
            let d = try JSONSerialization.data(withJSONObject: ["seed": seed, "threads": 1, "results": rows], options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: d, as: UTF8.self))
        }
    }
}
