/// One step of a `Circuit`.
public enum Instruction: Hashable, Sendable {
    /// A unitary gate on the listed qubits (controls first for controlled gates).
    case gate(Gate, [Int])
    /// Z-basis measurement of `qubit` into classical bit `clbit`.
    case measure(qubit: Int, clbit: Int)
    /// A scheduling barrier (no effect on the state).
    case barrier([Int])
    /// An idle window of the given length on the listed qubits (identity on an ideal simulator;
    /// noisy simulators apply idle noise; dynamical decoupling fills it).
    case delay(DelayDuration, [Int])
    /// Reset of `qubit` to |0⟩.
    case reset(Int)

    /// The qubits the instruction touches.
    public var qubits: [Int] {
        switch self {
        case let .gate(_, q), let .barrier(q), let .delay(_, q): return q
        case let .measure(q, _): return [q]
        case let .reset(q): return [q]
        }
    }
}
