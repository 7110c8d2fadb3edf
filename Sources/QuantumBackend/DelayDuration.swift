/// A `delay` length: a value and an OpenQASM 3 time unit.
public struct DelayDuration: Hashable, Sendable, CustomStringConvertible {
    /// OpenQASM 3 duration units: `ns`, `us` (µs), `ms`, `s`, and `dt` (one backend sample period).
    public enum Unit: String, Hashable, Sendable, CaseIterable {
        /// Nanosecond, microsecond, millisecond, second, and `dt` (backend sample period, taken as 1 ns here).
        case ns, us, ms, s, dt
        /// Nanoseconds per unit (`dt`, the backend sample time, is taken as 1 ns here).
        public var nanoseconds: Double {
            switch self {
            case .ns, .dt: return 1
            case .us: return 1e3
            case .ms: return 1e6
            case .s: return 1e9
            }
        }
    }

    /// The length in `unit`s; `Circuit.append` requires it finite and ≥ 0.
    public var value: Double
    /// The time unit `value` is expressed in.
    public var unit: Unit

    /// `value` in `unit` (nanoseconds by default); not validated here, `Circuit.append` checks it.
    public init(_ value: Double, _ unit: Unit = .ns) { self.value = value; self.unit = unit }

    /// The length in nanoseconds.
    public var nanoseconds: Double { value * unit.nanoseconds }

    /// OpenQASM 3 spelling, e.g. `100ns`.
    public var description: String {
        let v = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        return v + unit.rawValue
    }
}
