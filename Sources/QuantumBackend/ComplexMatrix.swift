/// A dense square complex matrix, row-major: `self[r, c] = elements[r * dimension + c]`.
///
/// Used for gate matrices (2×2, 4×4, 8×8) and small operators. Multi-qubit gate matrices follow
/// Qiskit's convention: for a gate on operands `[q₀, q₁, …]`, the local basis index is
/// `b₀ + 2·b₁ + 4·b₂ + …` where `bₖ` is the bit of operand `qₖ` (the first operand is the least
/// significant bit).
public struct ComplexMatrix: Hashable, Sendable {
    /// Side length `n` (the matrix is `n × n`; `n = 2^k` for a k-qubit gate).
    public let dimension: Int
    /// The `n²` entries, row-major: `self[r, c] = elements[r * dimension + c]`.
    public var elements: [Complex]

    /// A matrix from rows; `nil` when the rows do not form a square.
    public init?(rows: [[Complex]]) {
        let n = rows.count
        guard n > 0, rows.allSatisfy({ $0.count == n }) else { return nil }
        dimension = n
        elements = rows.flatMap { $0 }
    }

    /// `dimension × dimension` matrix from row-major elements (count must be `dimension²`).
    public init?(dimension: Int, elements: [Complex]) {
        guard dimension > 0, elements.count == dimension * dimension else { return nil }
        self.dimension = dimension
        self.elements = elements
    }

    init(_unchecked dimension: Int, _ elements: [Complex]) {
        self.dimension = dimension
        self.elements = elements
    }

    /// The identity of the given dimension.
    public static func identity(_ n: Int) -> ComplexMatrix {
        var e = [Complex](repeating: .zero, count: n * n)
        for i in 0..<n { e[i * n + i] = .one }
        return ComplexMatrix(_unchecked: n, e)
    }

    /// A diagonal matrix.
    public static func diagonal(_ d: [Complex]) -> ComplexMatrix {
        var m = ComplexMatrix.identity(d.count)
        for i in d.indices { m[i, i] = d[i] }
        return m
    }

    /// Entry at row `r`, column `c` (both in `0..<dimension`; out of range traps, a caller invariant).
    public subscript(r: Int, c: Int) -> Complex {
        get { elements[r * dimension + c] }
        set { elements[r * dimension + c] = newValue }
    }

    /// The conjugate transpose `M†`.
    public var adjoint: ComplexMatrix {
        var e = elements
        for r in 0..<dimension { for c in 0..<dimension { e[c * dimension + r] = self[r, c].conjugate } }
        return ComplexMatrix(_unchecked: dimension, e)
    }

    /// Element-wise conjugate `M*`.
    public var conjugate: ComplexMatrix { ComplexMatrix(_unchecked: dimension, elements.map(\.conjugate)) }

    /// The transpose `Mᵀ`.
    public var transpose: ComplexMatrix {
        var e = elements
        for r in 0..<dimension { for c in 0..<dimension { e[c * dimension + r] = self[r, c] } }
        return ComplexMatrix(_unchecked: dimension, e)
    }

    /// Matrix product `a·b` (dimensions must agree; the caller's invariant, not user input).
    public static func * (a: ComplexMatrix, b: ComplexMatrix) -> ComplexMatrix {
        let n = a.dimension
        var e = [Complex](repeating: .zero, count: n * n)
        for r in 0..<n {
            for k in 0..<n {
                let x = a.elements[r * n + k]
                if x.re == 0 && x.im == 0 { continue }
                for c in 0..<n { e[r * n + c] += x * b.elements[k * n + c] }
            }
        }
        return ComplexMatrix(_unchecked: n, e)
    }

    /// Scalar multiple.
    public static func * (s: Complex, m: ComplexMatrix) -> ComplexMatrix {
        ComplexMatrix(_unchecked: m.dimension, m.elements.map { s * $0 })
    }

    /// Kronecker product `a ⊗ b` in the textbook (big-endian) sense: `(a⊗b)[(i,k),(j,l)] = a[i,j]·b[k,l]`.
    /// With Qiskit's operand order, `kron(B, A)` is `A` on the first operand and `B` on the second.
    public static func kron(_ a: ComplexMatrix, _ b: ComplexMatrix) -> ComplexMatrix {
        let n = a.dimension * b.dimension
        var e = [Complex](repeating: .zero, count: n * n)
        for i in 0..<a.dimension { for j in 0..<a.dimension {
            let x = a[i, j]
            for k in 0..<b.dimension { for l in 0..<b.dimension {
                e[(i * b.dimension + k) * n + j * b.dimension + l] = x * b[k, l]
            } }
        } }
        return ComplexMatrix(_unchecked: n, e)
    }

    /// Largest `|M†M − I|` entry.
    public var unitarityError: Double {
        let p = adjoint * self
        var m = 0.0
        for r in 0..<dimension { for c in 0..<dimension {
            m = max(m, (p[r, c] - (r == c ? .one : .zero)).magnitude)
        } }
        return m
    }

    /// Determinant by Gaussian elimination with partial pivoting.
    public var determinant: Complex {
        var a = elements
        let n = dimension
        var det = Complex.one
        for col in 0..<n {
            var piv = col
            for r in col..<n where a[r * n + col].normSquared > a[piv * n + col].normSquared { piv = r }
            if a[piv * n + col].normSquared == 0 { return .zero }
            if piv != col {
                for c in 0..<n { a.swapAt(piv * n + c, col * n + c) }
                det = -det
            }
            let p = a[col * n + col]
            det *= p
            for r in (col + 1)..<n {
                let f = a[r * n + col] / p
                if f.normSquared == 0 { continue }
                for c in col..<n { a[r * n + c] = a[r * n + c] - f * a[col * n + c] }
            }
        }
        return det
    }

    /// `max |a − e^{iφ}·b|` minimised over the global phase φ taken from the largest entry of `b`.
    /// Zero exactly when the two matrices are equal up to a global phase.
    public static func distanceUpToPhase(_ a: ComplexMatrix, _ b: ComplexMatrix) -> Double {
        guard a.dimension == b.dimension else { return .infinity }
        var k = 0
        for i in b.elements.indices where b.elements[i].normSquared > b.elements[k].normSquared { k = i }
        let ratio = a.elements[k] / b.elements[k]
        let ph = ratio.magnitude > 0 ? (1 / ratio.magnitude) * ratio : Complex.one
        var m = 0.0
        for i in a.elements.indices { m = max(m, (a.elements[i] - ph * b.elements[i]).magnitude) }
        return m
    }
}
