/// Hardware instruction sets a circuit can be transpiled to.
public enum NativeGateSet: String, Hashable, Sendable, CaseIterable {
    /// IBM Heron: `cz`, `rz`, `sx`, `x`.
    case ibmHeron
    /// IBM Eagle: `ecr`, `rz`, `sx`, `x`.
    case ibmEagle
    /// IonQ native: `gpi`, `gpi2`, `ms` (phases in turns in the job JSON).
    case ionq

    /// Gate names allowed in a transpiled circuit.
    public var gateNames: Set<String> {
        switch self {
        case .ibmHeron: return ["cz", "rz", "sx", "x"]
        case .ibmEagle: return ["ecr", "rz", "sx", "x"]
        case .ionq: return ["gpi", "gpi2", "ms"]
        }
    }
}
