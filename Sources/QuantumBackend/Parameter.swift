/// A gate angle: a number, or an affine expression `coefficient·symbol + offset` of one named
/// symbol that is bound later (`Circuit.bound(_:)`).
///
/// Affine expressions are enough for what circuits here need (parameter shifts, negation for
/// inverses, folding); binding evaluates `coefficient·value + offset`.
public struct Parameter: Hashable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The free symbol's name, or `nil` for a constant (then the value is `offset` and `coefficient` is unused).
    public var symbol: String?
    /// Multiplier of the symbol in `coefficient·symbol + offset` (0 for constants).
    public var coefficient: Double
    /// Additive constant in radians; for a constant parameter, the angle itself.
    public var offset: Double

    /// A constant angle in radians.
    public init(_ value: Double) { symbol = nil; coefficient = 0; offset = value }
    /// A constant angle of `value` radians written as a float literal (`0.5`).
    public init(floatLiteral value: Double) { self.init(value) }
    /// A constant angle of `value` radians written as an integer literal (`1`).
    public init(integerLiteral value: Int) { self.init(Double(value)) }

    /// The symbol `name` itself.
    public static func symbol(_ name: String) -> Parameter {
        var p = Parameter(0)
        p.symbol = name
        p.coefficient = 1
        return p
    }

    /// The constant value, or `nil` when the expression still names a symbol.
    public var value: Double? { symbol == nil ? offset : nil }

    /// Evaluates with `bindings`; throws `QuantumError.unboundParameter` for a missing symbol.
    public func evaluate(_ bindings: [String: Double] = [:]) throws -> Double {
        guard let s = symbol else { return offset }
        guard let v = bindings[s] else { throw QuantumError.unboundParameter(s) }
        return coefficient * v + offset
    }

    /// Replaces the symbol by its value when `bindings` has it.
    public func bound(_ bindings: [String: Double]) -> Parameter {
        guard let s = symbol, let v = bindings[s] else { return self }
        return Parameter(coefficient * v + offset)
    }

    /// `−(c·s + o) = (−c)·s + (−o)`; used for gate inverses.
    public static prefix func - (p: Parameter) -> Parameter {
        var q = p
        q.coefficient = -p.coefficient
        q.offset = -p.offset
        return q
    }
    /// `(c·s + o) + x`: shifts the offset by `x` radians (parameter-shift rules).
    public static func + (p: Parameter, x: Double) -> Parameter { var q = p; q.offset += x; return q }
    /// `(c·s + o) − x`.
    public static func - (p: Parameter, x: Double) -> Parameter { p + (-x) }
    /// `x·(c·s + o) = (x·c)·s + x·o`; the result stays symbolic even when `x = 0`.
    public static func * (p: Parameter, x: Double) -> Parameter {
        var q = p
        q.coefficient *= x
        q.offset *= x
        return q
    }

    /// `offset` for a constant; otherwise `s`, `c*s`, `s + o` or `c*s - |o|` (e.g. `0.5*theta + 1.0`).
    public var description: String {
        guard let s = symbol else { return "\(offset)" }
        var t = coefficient == 1 ? s : "\(coefficient)*\(s)"
        if offset != 0 { t += offset > 0 ? " + \(offset)" : " - \(-offset)" }
        return t
    }
}
