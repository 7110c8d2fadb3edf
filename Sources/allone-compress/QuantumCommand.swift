import ArgumentParser
import AlloneCompress
import Foundation

/// `allone-compress quantum …`: run OpenQASM on the simulators, encode weights as circuits, train a
/// Born machine, measure simulator speed. Every subcommand takes `--json`.
struct QuantumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantum",
        abstract: "Quantum backend: simulate OpenQASM, encode weights as circuits, Born machines.",
        subcommands: [Run.self, Encode.self, Born.self, Bench.self]
    )

    /// Prints a JSON object (sorted keys) to stdout.
    static func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Turns a library error into exit code 2 with a message on stderr.
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        return ExitCode(2)
    }

    enum Mitigation: String, ExpressibleByArgument, CaseIterable { case rem, zne, dd }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate an OpenQASM 2/3 file and print counts.",
            discussion: """
            --noise takes comma-separated key=value pairs: depol (1-qubit depolarizing per gate), depol2 (2-qubit), \
            amp (amplitude damping per gate), phase (phase damping per gate), t1, tphi, tdep (idle time constants in ns \
            for delays), readout (symmetric flip probability), p01, p10. Example: --noise depol=0.001,depol2=0.01,readout=0.02
            --mitigate rem: readout mitigation (calibrated on the same noisy backend); zne: zero-noise extrapolated \
            ⟨Z…Z⟩ on the measured qubits (global folding, scales 1,3,5, Richardson); dd: XY4 in every delay.
            """
        )
        @Argument(help: "OpenQASM 2 or 3 file") var file: String
        @Option(help: "Number of shots") var shots = 1024
        @Option(help: "Sampling seed") var seed: UInt64 = 1
        @Option(help: "Noise model, e.g. depol=0.001,depol2=0.01,readout=0.02") var noise: String?
        @Option(help: "rem | zne | dd") var mitigate: Mitigation?
        @Flag(help: "With --noise: Monte-Carlo trajectories (one per shot) instead of the density matrix (needed above 12 qubits)")
        var trajectories = false
        @Flag(help: "Print JSON") var json = false

        func validate() throws {
            guard shots > 0 && shots <= 100_000_000 else { throw ValidationError("--shots must be in 1…100000000") }
            if let n = noise { _ = try Run.parseNoise(n) }
        }

        static func parseNoise(_ spec: String) throws -> NoiseModel {
            var m = NoiseModel()
            for item in spec.split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, let v = Double(kv[1]), v.isFinite else { throw ValidationError("--noise: '\(item)' is not key=number") }
                switch kv[0] {
                case "depol": m.depolarizing1 = v
                case "depol2": m.depolarizing2 = v
                case "amp": m.amplitudeDamping = v
                case "phase": m.phaseDamping = v
                case "t1": m.idleT1 = v
                case "tphi": m.idleTphi = v
                case "tdep": m.idleTdepolarizing = v
                case "readout": m.readoutP01 = [Double](repeating: v, count: 64); m.readoutP10 = m.readoutP01
                case "p01": m.readoutP01 = [Double](repeating: v, count: 64)
                case "p10": m.readoutP10 = [Double](repeating: v, count: 64)
                default: throw ValidationError("--noise: unknown key '\(kv[0])' (depol, depol2, amp, phase, t1, tphi, tdep, readout, p01, p10)")
                }
            }
            do { try m.validate() } catch { throw ValidationError("--noise: \(error)") }
            return m
        }

        func run() throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw QuantumCommand.fail("cannot read \(file): \(error.localizedDescription)") }
            do {
                var circuit = try QASMParser.parse(text)
                if circuit.numberOfClbits == 0 { try circuit.measureAll() }
                let model = try noise.map(Run.parseNoise)
                if mitigate == .dd { circuit = DynamicalDecoupling.apply(circuit, sequence: .xy4) }
                let backend: QuantumBackend
                if let m = model {
                    backend = trajectories ? TrajectorySimulator(noise: m, trajectories: shots, seed: seed) as QuantumBackend : NoisySimulator(noise: m)
                } else {
                    backend = StateVectorSimulator()
                }
                let counts = try backend.run(circuit, shots: shots, seed: seed)
                var out: [String: Any] = ["file": file, "qubits": circuit.numberOfQubits, "shots": shots, "seed": seed,
                                          "backend": model == nil ? "statevector" : trajectories ? "trajectories" : "density-matrix", "counts": counts.histogram]
                var lines = ["\(file): \(circuit.numberOfQubits) qubits, \(circuit.gateCount) gates, \(shots) shots (seed \(seed)) on \(out["backend"]!)"]
                for (k, v) in counts.histogram.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }).prefix(32) {
                    lines.append("  \(k)  \(v)")
                }
                let measured = circuit.instructions.compactMap { ins -> Int? in if case let .measure(q, _) = ins { return q } else { return nil } }
                switch mitigate {
                case .rem?:
                    let cal = try ReadoutMitigator.calibrate(on: backend, qubits: circuit.numberOfQubits, shots: shots, seed: seed &+ 17)
                    let p = try cal.mitigate(counts)
                    var top: [String: Double] = [:]
                    for (i, x) in p.enumerated() where x > 1e-4 { top[Counts.bitString(i, width: circuit.numberOfClbits)] = x }
                    out["mitigated_probabilities"] = top
                    out["calibration"] = ["p01": cal.p01, "p10": cal.p10]
                    lines.append("readout-mitigated probabilities (calibrated with \(shots) shots per basis state):")
                    for (k, v) in top.sorted(by: { $0.value > $1.value }).prefix(32) { lines.append("  \(k)  \(String(format: "%.4f", v))") }
                case .zne?:
                    var label = [Character](repeating: "I", count: circuit.numberOfQubits)
                    for q in measured { label[circuit.numberOfQubits - 1 - q] = "Z" }
                    let obs = try PauliSum(String(label))
                    let raw = try backend.expectation(of: obs, in: circuit.unitaryPart)
                    let z = try ZeroNoiseExtrapolation.mitigatedExpectation(of: obs, in: circuit.unitaryPart, backend: backend)
                    let ideal = try StateVectorSimulator().expectation(of: obs, in: circuit.unitaryPart)
                    out["zne"] = ["observable": String(label), "unmitigated": raw, "mitigated": z, "ideal": ideal]
                    lines.append("⟨\(String(label))⟩: unmitigated \(raw), ZNE (global folding 1,3,5; Richardson) \(z), ideal \(ideal)")
                case .dd?: lines.append("dynamical decoupling: XY4 inserted in every delay")
                case nil: break
                }
                if json { try QuantumCommand.printJSON(out) } else { print(lines.joined(separator: "\n")) }
            } catch let e as QuantumError {
                throw QuantumCommand.fail("\(file):\(e)")
            }
        }
    }

    enum Emit: String, ExpressibleByArgument, CaseIterable { case qasm3, qasm2, ibm, ionq }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode a weight tensor as a circuit (MPS staircase, Ran 2020) and write a job file.",
            discussion: "MODEL is a llama2.c checkpoint (e.g. stories260K.bin). Tensors: token_embd.weight or token_embd.weight[ROW]."
        )
        @Argument(help: "llama2.c .bin checkpoint") var model: String
        @Option(help: "token_embd.weight or token_embd.weight[ROW]") var tensor = "token_embd.weight[0]"
        @Option(help: "Number of staircase layers") var layers = 1
        @Option(help: "qasm3 | qasm2 | ibm | ionq") var emit: Emit = .qasm3
        @Option(help: "Output file") var out: String
        @Flag(help: "Print JSON") var json = false

        func validate() throws {
            guard layers >= 1 && layers <= 64 else { throw ValidationError("--layers must be in 1…64") }
        }

        func run() throws {
            do {
                let emb = try Llama2CEmbedding(path: model)
                let v = try emb.tensor(named: tensor)
                let qubits = v.count.trailingZeroBitCount
                guard qubits <= 20 else { throw QuantumError.unsupported("\(qubits) qubits is too many to encode here (≤ 20)") }
                let r = try MPSCircuitEncoder.encode(v, layers: layers)
                let target: HardwareJobBackend.Target = [.qasm3: .openQASM3, .qasm2: .openQASM2, .ibm: .ibmHeron, .ionq: .ionq][emit]!
                let job = try HardwareJobBackend(target: target).job(for: r.circuit)
                let f = try AtomicFile(path: out)
                try f.write(job)
                try f.commit()
                if json {
                    try QuantumCommand.printJSON(["model": model, "tensor": tensor, "qubits": qubits, "layers": layers,
                                                  "fidelity_per_layer": r.fidelities, "truncation_error_per_layer": r.truncationErrors,
                                                  "gates": r.circuit.gateCount, "emit": emit.rawValue, "out": out])
                } else {
                    print("\(tensor): \(v.count) amplitudes → \(qubits) qubits, \(layers) layer(s), \(r.circuit.gateCount) unitary gates")
                    for (i, f) in r.fidelities.enumerated() { print("  layer \(i + 1): fidelity \(String(format: "%.6f", f))") }
                    print("wrote \(emit.rawValue) job to \(out)")
                }
            } catch let e as QuantumError {
                throw QuantumCommand.fail("\(e)")
            } catch let e as TensorCoreError {
                throw QuantumCommand.fail("\(e)")
            }
        }
    }

    enum Target: String, ExpressibleByArgument, CaseIterable { case bas3x3, bas2x2, gaussian6 }

    struct Born: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train a quantum circuit Born machine (Liu & Wang 2018) on the simulator.")
        @Option(help: "bas3x3 | bas2x2 | gaussian6") var target: Target = .bas3x3
        @Option(help: "Training epochs") var epochs = 200
        @Option(help: "Entangling layers of the ansatz") var depth = 6
        @Option(help: "Adam learning rate") var lr = 0.1
        @Option(help: "Seed of the initial angles") var seed: UInt64 = 1
        @Flag(help: "Print JSON") var json = false

        func validate() throws {
            guard epochs >= 0 && epochs <= 100_000 else { throw ValidationError("--epochs must be in 0…100000") }
            guard depth >= 0 && depth <= 50 else { throw ValidationError("--depth must be in 0…50") }
            guard lr > 0 && lr < 10 else { throw ValidationError("--lr must be in (0, 10)") }
        }

        func run() throws {
            let t: BornMachineTarget
            switch target {
            case .bas3x3: t = .barsAndStripes(rows: 3, cols: 3)
            case .bas2x2: t = .barsAndStripes(rows: 2, cols: 2)
            case .gaussian6: t = .gaussian(qubits: 6, mean: 31.5, std: 8)
            }
            let bm = try BornMachine(target: t, depth: depth)
            let start = Date()
            let r = try bm.train(epochs: epochs, learningRate: lr, seed: seed) { e, l in
                if !json && (e % 20 == 0) { FileHandle.standardError.write(Data("epoch \(e): MMD² \(l)\n".utf8)) }
            }
            let secs = Date().timeIntervalSince(start)
            let valid = zip(r.probabilities, bm.target).reduce(0.0) { $0 + ($1.1 > 0 ? $1.0 : 0) }
            if json {
                try QuantumCommand.printJSON(["target": target.rawValue, "qubits": bm.numberOfQubits, "depth": depth, "parameters": bm.parameterCount,
                                              "epochs": epochs, "seed": seed, "learning_rate": lr, "final_mmd2": r.history.last ?? .nan,
                                              "min_mmd2": r.history.min() ?? .nan, "epoch_below_1e-3": r.epochReaching.map { $0 as Any } ?? NSNull(),
                                              "mass_on_target_support": valid, "seconds": secs, "history": r.history])
            } else {
                print("\(target.rawValue): \(bm.numberOfQubits) qubits, depth \(depth), \(bm.parameterCount) angles, \(epochs) epochs, seed \(seed), lr \(lr)")
                print("MMD²: initial \(r.history.first ?? .nan), final \(r.history.last ?? .nan), min \(r.history.min() ?? .nan)")
                print("MMD² < 0.001 " + (r.epochReaching.map { "first at epoch \($0)" } ?? "not reached"))
                print("probability mass on the target's support: \(String(format: "%.4f", valid)); \(String(format: "%.1f", secs)) s")
            }
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "State-vector simulator throughput on seeded random circuits (see allone-bench quantum for the qulacs comparison).")
        @Option(help: "Qubit counts, comma-separated") var qubits = "16,20"
        @Option(help: "Gates per circuit") var gates = 200
        @Option(help: "Circuit seed") var seed: UInt64 = 7
        @Option(help: "Threads for the 1-qubit kernels") var threads = 1
        @Flag(help: "Print JSON") var json = false

        func run() throws {
            let ns = qubits.split(separator: ",").compactMap { Int($0) }
            guard !ns.isEmpty, ns.allSatisfy({ $0 >= 2 && $0 <= 28 }) else { throw QuantumCommand.fail("--qubits: comma-separated integers in 2…28") }
            guard gates >= 1 else { throw QuantumCommand.fail("--gates must be at least 1") }
            guard threads >= 1 else { throw QuantumCommand.fail("--threads must be at least 1") }
            var rows: [[String: Any]] = []
            for n in ns {
                let c = try SimulatorBenchmark.randomCircuit(qubits: n, gates: gates, seed: seed)
                let plain = try SimulatorBenchmark.time(c, fusion: false, threads: threads)
                let fused = try SimulatorBenchmark.time(c, fusion: true, threads: threads)
                let bound = SimulatorBenchmark.streamBandwidth(qubits: n)
                rows.append(["qubits": n, "gates": gates, "gates_per_s": plain.gatesPerSecond, "gates_per_s_fused": fused.gatesPerSecond,
                             "effective_GBps": plain.effectiveGBps, "bound_GBps": bound])
                if !json {
                    print(String(format: "n=%2d  %8.0f gates/s (%.2f GB/s of %.2f GB/s bound)  fused %8.0f gates/s", n, plain.gatesPerSecond,
                                 plain.effectiveGBps, bound, fused.gatesPerSecond))
                }
            }
            if json { try QuantumCommand.printJSON(["seed": seed, "threads": threads, "results": rows]) }
        }
    }
}
