import Decomposition
import LinearAlgebra

/// Errors of the `Analysis` module.
public enum AnalysisError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Singular values must be finite and ≥ 0 (`index` names the first bad one).
    case invalidSpectrum(index: Int)
    /// A head split does not divide the matrix (`context` says how).
    case invalidHeadSplit(context: String)
    /// A matrix descriptor or budget is out of its domain.
    case invalidAllocationInput(context: String)
    /// The budget cannot be met even with every matrix at its floor rank.
    case budgetUnreachable(requestedRemoval: Int, achievableRemoval: Int)
    /// A failure in the decompositions underneath.
    case decomposition(DecompositionError)
    /// A failure in the linear algebra underneath.
    case linearAlgebra(LinearAlgebraError)

    /// One line stating the failure and its values; wrapped lower-level errors print their own description.
    public var description: String {
        switch self {
        case let .invalidSpectrum(i): return "singular value \(i) is negative or not finite"
        case let .invalidHeadSplit(c): return "invalid head split: \(c)"
        case let .invalidAllocationInput(c): return "invalid allocation input: \(c)"
        case let .budgetUnreachable(r, a): return "budget asks to remove \(r) parameters, at most \(a) can be removed"
        case let .decomposition(e): return e.description
        case let .linearAlgebra(e): return e.description
        }
    }
}

/// Runs `body`, wrapping lower-level errors into `AnalysisError`.
func _wrap<T>(_ body: () throws -> T) throws -> T {
    do { return try body() }
    catch let e as LinearAlgebraError { throw AnalysisError.linearAlgebra(e) }
    catch let e as DecompositionError { throw AnalysisError.decomposition(e) }
}
