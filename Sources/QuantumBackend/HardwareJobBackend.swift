/// A backend that writes a job file for real hardware instead of executing: OpenQASM 3/2 text,
/// IBM-native OpenQASM 3 (transpiled to Heron or Eagle), or IonQ native JSON.
/// `run` throws `QuantumError.unsupported`; call `job(for:)`.
public struct HardwareJobBackend: QuantumBackend, Sendable {
    /// The job format; raw values are the CLI spellings: `qasm3`/`qasm2` (portable OpenQASM of the circuit as is),
    /// `ibm` (transpiled to IBM Heron natives, OpenQASM 3), `ibm-eagle` (IBM Eagle natives, OpenQASM 3),
    /// `ionq` (IonQ native-gate JSON, trailing Z rotations dropped).
    public enum Target: String, Hashable, Sendable, CaseIterable {
        /// See `Target` above for what each writes; the raw value is the spelling accepted on the command line.
        case openQASM3 = "qasm3", openQASM2 = "qasm2", ibmHeron = "ibm", ibmEagle = "ibm-eagle", ionq = "ionq"
    }

    /// The format `job(for:)` writes.
    public var target: Target
    /// A job writer for `target`.
    public init(target: Target) { self.target = target }

    /// The job text for `circuit`.
    public func job(for circuit: Circuit) throws -> String {
        switch target {
        case .openQASM3: return try QASMEmitter.emit(circuit, version: .v3)
        case .openQASM2: return try QASMEmitter.emit(circuit, version: .v2)
        case .ibmHeron: return try QASMEmitter.emit(try Transpiler.transpile(circuit, to: .ibmHeron), version: .v3)
        case .ibmEagle: return try QASMEmitter.emit(try Transpiler.transpile(circuit, to: .ibmEagle), version: .v3)
        case .ionq:
            // IonQ measures every qubit in Z at the end, so trailing Z rotations are dropped.
            return try IonQJob.json(try Transpiler.transpile(circuit, to: .ionq, dropFinalZRotations: true))
        }
    }

    /// Always throws `QuantumError.unsupported`: this backend emits a job file (`job(for:)`) and never executes.
    public func run(_ circuit: Circuit, shots: Int, seed: UInt64) throws -> Counts {
        throw QuantumError.unsupported("the \(target.rawValue) backend emits a job file (job(for:)); it does not execute")
    }
}
