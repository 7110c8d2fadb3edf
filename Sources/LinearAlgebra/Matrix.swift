import TensorCore

/// A dense row-major matrix of `Float` or `Double`: element `(i, j)` is `values[i * columns + j]`.
///
/// A plain value: checked construction (`init(rows:columns:values:)` throws on a count mismatch),
/// products through BLAS (`Matrix+Products.swift`) and factorizations through LAPACK
/// (`SingularValueDecomposition`, `QRDecomposition`, `CholeskyFactorization`, `SymmetricEigendecomposition`).
public struct Matrix<Scalar: LinearAlgebraScalar>: Sendable, Equatable {
    /// Number of rows (m).
    public let rows: Int
    /// Number of columns (n).
    public let columns: Int
    /// `rows · columns` values, row-major.
    public internal(set) var values: [Scalar]

    /// Wraps `values` (row-major) as an `rows × columns` matrix; throws `shapeMismatch` when the count differs.
    public init(rows: Int, columns: Int, values: [Scalar]) throws {
        guard rows >= 0, columns >= 0, let count = Tensor.elementCount([rows, columns]), count == values.count else {
            throw LinearAlgebraError.shapeMismatch(operation: "Matrix.init", expected: "\(rows)×\(columns) values",
                                                   got: "\(values.count)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Internal unchecked initializer for results whose size is known to be right.
    @usableFromInline
    init(_unchecked rows: Int, _ columns: Int, _ values: [Scalar]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The `rows × columns` zero matrix (negative sizes are treated as zero).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(zeros rows: Int, _ columns: Int) {
        self.rows = max(0, rows)
        self.columns = max(0, columns)
        self.values = [Scalar](repeating: 0, count: self.rows * self.columns)
    }

    /// The `n × n` identity.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(zeros: n, n)
        for i in 0..<m.rows { m.values[i * n + i] = 1 }
        return m
    }

    /// A square matrix with `diagonal` on its diagonal.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func diagonal(_ diagonal: [Scalar]) -> Matrix {
        let n = diagonal.count
        var m = Matrix(zeros: n, n)
        for i in 0..<n { m.values[i * n + i] = diagonal[i] }
        return m
    }

    /// Element `(i, j)`; indices must be in range (checked by the array access).
    public subscript(i: Int, j: Int) -> Scalar {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    /// Whether the matrix has no elements.
    public var isEmpty: Bool { rows == 0 || columns == 0 }

    /// `min(rows, columns)`.
    public var minDimension: Int { Swift.min(rows, columns) }

    /// The transpose (a copy).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed() -> Matrix {
        var out = [Scalar](repeating: 0, count: values.count)
        let m = rows, n = columns
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                // Blocked copy keeps both sides cache-friendly for the big weight matrices.
                let block = 32
                var i0 = 0
                while i0 < m {
                    let i1 = Swift.min(i0 + block, m)
                    var j0 = 0
                    while j0 < n {
                        let j1 = Swift.min(j0 + block, n)
                        for i in i0..<i1 { for j in j0..<j1 { dst[j * m + i] = src[i * n + j] } }
                        j0 = j1
                    }
                    i0 = i1
                }
            }
        }
        return Matrix(_unchecked: n, m, out)
    }

    /// `‖A‖_F`, accumulated in `Double`.
    public var frobeniusNorm: Double {
        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        get {
        var s = 0.0
        for v in values { let d = Double(v); s += d * d }
        return s.squareRoot()
        }
    }

    /// Whether every value is finite.
    public var isFinite: Bool {
        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        get {
            // x·0 is ±0 for finite x and NaN for ±Inf or NaN: four independent sums of x·0 are 0
            // exactly when every value is finite (branch-free, several values per cycle).
            values.withUnsafeBufferPointer { p in
                var a0: Scalar = 0, a1: Scalar = 0, a2: Scalar = 0, a3: Scalar = 0
                var i = 0
                let n = p.count
                while i + 4 <= n {
                    a0 += p[i] * 0; a1 += p[i + 1] * 0; a2 += p[i + 2] * 0; a3 += p[i + 3] * 0
                    i += 4
                }
                while i < n { a0 += p[i] * 0; i += 1 }
                return (a0 + a1) + (a2 + a3) == 0
            }
        }
    }

    /// The same matrix in another scalar type (`Float` ↔ `Double`).
    @_specialize(where Scalar == Float, Target == Double)
    @_specialize(where Scalar == Double, Target == Float)
    @_specialize(where Scalar == Float, Target == Float)
    public func converted<Target: LinearAlgebraScalar>(to _: Target.Type = Target.self) -> Matrix<Target> {
        Matrix<Target>(_unchecked: rows, columns, values.map { Target($0) })
    }

    /// Rows `range` (a copy).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func rowSlice(_ range: Range<Int>) throws -> Matrix {
        guard range.lowerBound >= 0, range.upperBound <= rows else {
            throw LinearAlgebraError.shapeMismatch(operation: "rowSlice", expected: "rows within 0..<\(rows)", got: "\(range)")
        }
        return Matrix(_unchecked: range.count, columns, Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// Columns `range` (a copy).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func columnSlice(_ range: Range<Int>) throws -> Matrix {
        guard range.lowerBound >= 0, range.upperBound <= columns else {
            throw LinearAlgebraError.shapeMismatch(operation: "columnSlice", expected: "columns within 0..<\(columns)", got: "\(range)")
        }
        var out = [Scalar]()
        out.reserveCapacity(rows * range.count)
        for i in 0..<rows { out.append(contentsOf: values[(i * columns + range.lowerBound)..<(i * columns + range.upperBound)]) }
        return Matrix(_unchecked: rows, range.count, out)
    }

    /// Multiplies each column `j` by `factors[j]` (i.e. `A·diag(factors)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scalingColumns(by factors: [Scalar]) throws -> Matrix {
        guard factors.count == columns else {
            throw LinearAlgebraError.shapeMismatch(operation: "scalingColumns", expected: "\(columns) factors", got: "\(factors.count)")
        }
        var out = self
        for i in 0..<rows { for j in 0..<columns { out.values[i * columns + j] *= factors[j] } }
        return out
    }

    /// Multiplies each row `i` by `factors[i]` (i.e. `diag(factors)·A`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scalingRows(by factors: [Scalar]) throws -> Matrix {
        guard factors.count == rows else {
            throw LinearAlgebraError.shapeMismatch(operation: "scalingRows", expected: "\(rows) factors", got: "\(factors.count)")
        }
        var out = self
        for i in 0..<rows { let f = factors[i]; for j in 0..<columns { out.values[i * columns + j] *= f } }
        return out
    }

    /// `A − B` elementwise; throws on a shape mismatch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func subtracting(_ other: Matrix) throws -> Matrix {
        guard rows == other.rows, columns == other.columns else {
            throw LinearAlgebraError.shapeMismatch(operation: "subtracting", expected: "\(rows)×\(columns)", got: "\(other.rows)×\(other.columns)")
        }
        var out = self
        for i in 0..<values.count { out.values[i] -= other.values[i] }
        return out
    }
}

extension Matrix where Scalar == Float {
    /// A rank-2 `Tensor` as a matrix; throws when the tensor is not rank 2.
    public init(_ tensor: Tensor) throws {
        guard let (m, n) = tensor.matrixShape else {
            throw LinearAlgebraError.shapeMismatch(operation: "Matrix(Tensor)", expected: "rank 2", got: "shape \(tensor.shape)")
        }
        self.init(_unchecked: m, n, tensor.storage)
    }

    /// The matrix as a rank-2 `Tensor`.
    public var tensor: Tensor { Tensor(shape: [rows, columns], storage: values) ?? Tensor(zeros: [rows, columns]) }
}
