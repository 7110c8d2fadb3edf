import LinearAlgebra

/// Paired input statistics of one activation site for sequential calibration: the same calibration
/// rows run through the original model (inputs X) and through a partially compressed one (inputs Y).
///
/// Accumulates `gram = YᵀY` (the compressed-model inputs' Gram) and `cross = XᵀY` (original against
/// compressed), both n×n Float64 row-major, which is what
/// `MeasurementAwareSVD.prepareSequential(_:crossGram:compressedGram:)` takes: the rank-k `A B`
/// minimising `‖X Wᵀ − Y Bᵀ Aᵀ‖_F²`, i.e. the layer fed by the compressed model reproduces the
/// original layer's output on the original inputs. Also keeps `originalGram = XᵀX` (for the
/// output energy `tr(W XᵀX Wᵀ)` that makes errors relative). When X = Y all three are equal.
public struct CrossActivationStatistics: Sendable, Equatable {
    /// Input width n.
    public let width: Int
    /// Σ yᵀy over the rows of the compressed model. (n, n)
    public private(set) var gram: [Double]
    /// Σ xᵀy, x from the original model and y from the compressed one on the same row. (n, n)
    public private(set) var cross: [Double]
    /// Σ xᵀx over the rows of the original model. (n, n)
    public private(set) var originalGram: [Double]
    /// Rows accumulated.
    public private(set) var tokens: Int

    /// Empty paired statistics of width `n`: three `n × n` zero matrices and 0 tokens.
    public init(width: Int) {
        self.width = width
        gram = [Double](repeating: 0, count: width * width)
        cross = gram
        originalGram = gram
        tokens = 0
    }

    /// Adds `rows` paired rows: `original` and `compressed` are both (rows, n) row-major.
    /// - Throws: `ReferenceLMError.invalidArgument` when the sizes do not match.
    public mutating func add(original x: [Float], compressed y: [Float], rows: Int) throws {
        let n = width
        guard rows >= 0, x.count == rows * n, y.count == rows * n else {
            throw ReferenceLMError.invalidArgument("paired statistics of width \(n): \(x.count) and \(y.count) values for \(rows) rows")
        }
        guard rows > 0 else { return }
        let xd = x.map(Double.init), yd = y.map(Double.init)
        xd.withUnsafeBufferPointer { xp in
            yd.withUnsafeBufferPointer { yp in
                gram.withUnsafeMutableBufferPointer { g in  // (n, n) += Yᵀ Y
                    BLAS.gemm(transA: true, m: n, n: n, k: rows, alpha: 1, a: yp.baseAddress!, lda: n, b: yp.baseAddress!, ldb: n,
                              beta: 1, c: g.baseAddress!, ldc: n)
                }
                cross.withUnsafeMutableBufferPointer { c in  // (n, n) += Xᵀ Y
                    BLAS.gemm(transA: true, m: n, n: n, k: rows, alpha: 1, a: xp.baseAddress!, lda: n, b: yp.baseAddress!, ldb: n,
                              beta: 1, c: c.baseAddress!, ldc: n)
                }
                originalGram.withUnsafeMutableBufferPointer { g in  // (n, n) += Xᵀ X
                    BLAS.gemm(transA: true, m: n, n: n, k: rows, alpha: 1, a: xp.baseAddress!, lda: n, b: xp.baseAddress!, ldb: n,
                              beta: 1, c: g.baseAddress!, ldc: n)
                }
            }
        }
        tokens += rows
    }

    /// `(cross, gram, originalGram)` as n×n matrices.
    public func matrices() throws -> (cross: Matrix<Double>, gram: Matrix<Double>, originalGram: Matrix<Double>) {
        (try Matrix(rows: width, columns: width, values: cross), try Matrix(rows: width, columns: width, values: gram),
         try Matrix(rows: width, columns: width, values: originalGram))
    }
}
