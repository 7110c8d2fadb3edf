/// Which side of the unknown the triangular factor multiplies in `Matrix.solveTriangular`.
public enum TriangularSide: Sendable, Equatable {
    /// `op(T)·X = B`.
    case left
    /// `X·op(T) = B`.
    case right
}
