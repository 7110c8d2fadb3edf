/// Dynamical decoupling (Viola, Knill & Lloyd 1999; XY4 from Maudsley 1986 / Souza et al. 2012):
/// each `delay(T)` on a qubit becomes a pulse train whose product is the identity (up to phase),
/// emitted as gates and `delay`s so that hardware emitters keep the timing.
///
/// XX: `T/4 · X · T/2 · X · T/4`; XY4: `τ/2 · X · τ · Y · τ · X · τ · Y · τ/2` with `τ = T/4`.
/// Pulses are taken as instantaneous (their own duration is not subtracted).
public enum DynamicalDecoupling {
    /// The pulse train replacing each delay: `xx` (two X pulses, a Hahn-echo pair: refocuses dephasing only)
    /// or `xy4` (X·Y·X·Y, refocuses both dephasing and bit-flip errors to first order).
    public enum Sequence: String, Hashable, Sendable, CaseIterable { case xx, xy4 }

    /// `circuit` with every `delay` of positive length replaced, per delayed qubit, by `sequence` padded with
    /// delays that keep the total length (e.g. XX: `T/4 · X · T/2 · X · T/4`); all other instructions are copied.
    /// The result's unitary is that of the input up to a global phase.
    public static func apply(_ circuit: Circuit, sequence: Sequence) -> Circuit {
        var out = Circuit(qubits: circuit.numberOfQubits, clbits: circuit.numberOfClbits)
        for ins in circuit.instructions {
            guard case let .delay(d, qs) = ins, d.value > 0 else { out._appendUnchecked(ins); continue }
            let pulses: [Gate], gaps: [Double]
            switch sequence {
            case .xx: pulses = [.x, .x]; gaps = [0.25, 0.5, 0.25]
            case .xy4: pulses = [.x, .y, .x, .y]; gaps = [0.125, 0.25, 0.25, 0.25, 0.125]
            }
            for q in qs {
                for (k, g) in gaps.enumerated() {
                    out._appendUnchecked(.delay(DelayDuration(d.value * g, d.unit), [q]))
                    if k < pulses.count { out._appendUnchecked(.gate(pulses[k], [q])) }
                }
            }
        }
        return out
    }
}
