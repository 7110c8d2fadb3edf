import Foundation

/// IonQ's native-gate job format (`"format": "ionq.circuit.v0"`, `"gateset": "native"`):
/// `{"gate":"gpi","target":q,"phase":t}`, `{"gate":"gpi2",…}`, `{"gate":"ms","targets":[a,b],"phases":[t0,t1],"angle":θ}`
/// with every phase and the MS angle in turns (1 turn = 2π), phases reduced to [0, 1).
public enum IonQJob {
    /// JSON for a circuit made only of `gpi`, `gpi2`, `ms` (and measurements/barriers, which IonQ
    /// implies: all qubits are measured at the end). Throws `unsupported` for anything else.
    public static func json(_ native: Circuit) throws -> String {
        var ops: [[String: Any]] = []
        func turns(_ p: Parameter) throws -> Double {
            var t = try p.evaluate() / (2 * Double.pi)
            t -= t.rounded(.down)
            return t >= 1 ? 0 : t
        }
        for ins in native.instructions {
            switch ins {
            case let .gate(.gpi(p), qs): ops.append(["gate": "gpi", "target": qs[0], "phase": try turns(p)])
            case let .gate(.gpi2(p), qs): ops.append(["gate": "gpi2", "target": qs[0], "phase": try turns(p)])
            case let .gate(.ms(p0, p1, a), qs):
                ops.append(["gate": "ms", "targets": qs, "phases": [try turns(p0), try turns(p1)], "angle": try a.evaluate()])
            case .measure, .barrier: continue
            default: throw QuantumError.unsupported("IonQ native JSON cannot express \(ins); transpile to .ionq first")
            }
        }
        let doc: [String: Any] = ["format": "ionq.circuit.v0", "gateset": "native", "qubits": native.numberOfQubits, "circuit": ops]
        let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Reads such a job back into a circuit (phases turned back into radians).
    public static func circuit(fromJSON text: String) throws -> Circuit {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw QuantumError.invalidArgument("IonQ job: not a JSON object")
        }
        guard obj["gateset"] as? String == "native", let n = obj["qubits"] as? Int, let ops = obj["circuit"] as? [[String: Any]] else {
            throw QuantumError.invalidArgument("IonQ job: needs gateset \"native\", integer qubits and a circuit array")
        }
        var c = Circuit(qubits: n)
        for (i, op) in ops.enumerated() {
            let rad = { (t: Double) in Parameter(t * 2 * Double.pi) }
            switch op["gate"] as? String {
            case "gpi", "gpi2":
                guard let q = op["target"] as? Int, let t = op["phase"] as? Double else { throw QuantumError.invalidArgument("IonQ job: op \(i) lacks target/phase") }
                try c.apply(op["gate"] as? String == "gpi" ? .gpi(rad(t)) : .gpi2(rad(t)), q)
            case "ms":
                guard let qs = op["targets"] as? [Int], let ph = op["phases"] as? [Double], ph.count == 2 else {
                    throw QuantumError.invalidArgument("IonQ job: op \(i) lacks targets/phases")
                }
                let angle = op["angle"] as? Double ?? 0.25
                try c.apply(.ms(rad(ph[0]), rad(ph[1]), Parameter(angle)), on: qs)
            default: throw QuantumError.invalidArgument("IonQ job: op \(i) has unknown gate \(op["gate"] ?? "nil")")
            }
        }
        return c
    }
}
