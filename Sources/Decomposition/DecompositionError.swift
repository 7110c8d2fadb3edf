import LinearAlgebra

/// Errors of the `Decomposition` module: bad shapes, ranks or options, and the linear-algebra
/// failures underneath. Nothing in the module traps on bad input.
public enum DecompositionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Operand shapes disagree; `context` says which operand and what was expected.
    case shapeMismatch(context: String)
    /// A requested rank is outside `1...limit` (`limit` is min(m, n) or the option's bound).
    case invalidRank(rank: Int, limit: Int)
    /// The chosen method needs calibration data the caller did not supply (e.g. the Gram matrix).
    case missingCalibration(String)
    /// An option's value is out of its domain (`name = value`, with the reason).
    case invalidParameter(name: String, value: String, reason: String)
    /// No diagonal shift up to `largestTried` made the Gram matrix positive definite.
    case regularizationFailed(largestTried: Double)
    /// A failure inside `LinearAlgebra` (LAPACK non-convergence, non-finite input, …).
    case linearAlgebra(LinearAlgebraError)

    /// One line stating the failure and its values (`invalid NAME = VALUE: reason`, `rank R outside 1...L`, …);
    /// wrapped `LinearAlgebraError`s print their own description.
    public var description: String {
        switch self {
        case let .shapeMismatch(c): return "shape mismatch: \(c)"
        case let .invalidRank(r, l): return "rank \(r) outside 1...\(l)"
        case let .missingCalibration(s): return "missing calibration: \(s)"
        case let .invalidParameter(n, v, r): return "invalid \(n) = \(v): \(r)"
        case let .regularizationFailed(l): return "Gram matrix not positive definite even with diagonal shift \(l)"
        case let .linearAlgebra(e): return e.description
        }
    }
}

/// Runs `body`, wrapping any `LinearAlgebraError` as `DecompositionError.linearAlgebra`.
@inline(__always)
func _la<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as LinearAlgebraError { throw DecompositionError.linearAlgebra(e) }
}
