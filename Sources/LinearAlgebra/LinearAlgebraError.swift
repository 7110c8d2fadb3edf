/// Errors of the `LinearAlgebra` module. Nothing in the module traps on bad input; every
/// failure of shape, size or numerics is reported as one of these cases.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Operand shapes do not fit the operation: `operation` names it, `expected`/`got` describe the shapes.
    case shapeMismatch(operation: String, expected: String, got: String)
    /// A dimension does not fit LAPACK's 32-bit `lapack_int` (or BLAS's `blasint`).
    case dimensionTooLarge(operation: String, value: Int)
    /// A requested rank is outside `1...min(m, n)` (or the operation's own limit).
    case invalidRank(operation: String, rank: Int, limit: Int)
    /// The input holds NaN or ±Inf; LAPACK's behaviour on such input is undefined, so it is refused.
    case nonFinite(operation: String)
    /// Cholesky factorization failed: the leading minor of order `order` is not positive definite.
    case notPositiveDefinite(order: Int)
    /// The triangular factor has a zero (or non-finite) diagonal entry at `index`: it is singular.
    case singularTriangular(index: Int)
    /// An iterative LAPACK routine did not converge (`info > 0`), after any fallback was tried.
    case convergenceFailure(routine: String, info: Int)
    /// LAPACK rejected argument number `-info` (a bug in the caller's sizes, reported instead of trapping).
    case invalidArgument(routine: String, info: Int)

    /// One line naming the operation or LAPACK routine and the failing value, e.g. `gesdd did not converge (info 3)`.
    public var description: String {
        switch self {
        case let .shapeMismatch(op, expected, got): return "\(op): shape mismatch, expected \(expected), got \(got)"
        case let .dimensionTooLarge(op, v): return "\(op): dimension \(v) exceeds LAPACK's 32-bit integer range"
        case let .invalidRank(op, r, l): return "\(op): rank \(r) outside 1...\(l)"
        case let .nonFinite(op): return "\(op): input contains NaN or infinity"
        case let .notPositiveDefinite(o): return "Cholesky: leading minor of order \(o) is not positive definite"
        case let .singularTriangular(i): return "triangular solve: zero diagonal entry at \(i)"
        case let .convergenceFailure(r, i): return "\(r) did not converge (info \(i))"
        case let .invalidArgument(r, i): return "\(r): invalid argument \(-i)"
        }
    }
}

/// Converts a size to LAPACK's 32-bit integer, or throws `dimensionTooLarge`.
@usableFromInline
func _lapackInt(_ value: Int, _ operation: String) throws -> Int32 {
    guard value >= 0, value <= Int(Int32.max) else {
        throw LinearAlgebraError.dimensionTooLarge(operation: operation, value: value)
    }
    return Int32(value)
}
