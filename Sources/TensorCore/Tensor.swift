/// A dense, contiguous, row-major tensor of `Float` values.
///
/// `shape` is in row-major order (the last dimension varies fastest), whatever the order the source
/// file stores it in. A matrix `W` of shape `[m, n]` keeps `W[i, j]` at `storage[i * n + j]`.
public struct Tensor: Sendable, Equatable {
    /// Dimensions, slowest-varying first.
    public var shape: [Int]
    /// `shape.reduce(1, *)` values, row-major.
    public var storage: [Float]

    /// Wraps `storage` with `shape`; returns `nil` when the element count does not match or a
    /// dimension is negative.
    public init?(shape: [Int], storage: [Float]) {
        guard let count = Tensor.elementCount(shape), count == storage.count else { return nil }
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of zeros. Negative dimensions are treated as zero.
    public init(zeros shape: [Int]) {
        let clamped = shape.map { max(0, $0) }
        self.shape = clamped
        self.storage = [Float](repeating: 0, count: Tensor.elementCount(clamped) ?? 0)
    }

    /// Number of elements.
    public var count: Int { storage.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// Rows and columns when the tensor is a matrix (rank 2), `nil` otherwise.
    public var matrixShape: (rows: Int, columns: Int)? {
        shape.count == 2 ? (shape[0], shape[1]) : nil
    }

    /// The product of `shape` with overflow checks; `nil` on overflow or a negative dimension.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }

    /// Index of the first non-finite value (NaN or ±Inf), or `nil` when all are finite.
    public func firstNonFiniteIndex() -> Int? {
        storage.firstIndex { !$0.isFinite }
    }
}
