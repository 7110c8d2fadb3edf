import LinearAlgebra

/// Closed-form least-squares refit of the left factor of `W ≈ A B` on calibration statistics.
///
/// For inputs X (rows x_t, `G = XᵀX`) and fixed B, `argmin_A ‖X Wᵀ − X Bᵀ Aᵀ‖_F²` solves the
/// normal equations `A (B G Bᵀ) = W G Bᵀ`, so `A = W G Bᵀ (B G Bᵀ)⁻¹` (solved by Cholesky of the
/// k×k matrix B G Bᵀ). With different inputs on the two sides — original inputs X feeding W and
/// the already-compressed model's inputs Y feeding A B (sequential calibration) — the minimiser of
/// `‖X Wᵀ − Y Bᵀ Aᵀ‖_F²` is `A = W (XᵀY) Bᵀ (B YᵀY Bᵀ)⁻¹` (`refitLeft(weight:right:crossGram:inputGram:)`).
public enum LeastSquaresRefit {
    /// `A = W G Bᵀ (B G Bᵀ)⁻¹`; `weight` m×n, `right` k×n, `gram` n×n. Throws when B G Bᵀ is singular.
    public static func refitLeft(weight: Matrix<Double>, right: Matrix<Double>, gram: Matrix<Double>) throws -> Matrix<Double> {
        try refitLeft(weight: weight, right: right, crossGram: gram, inputGram: gram)
    }

    /// `A = W C Bᵀ (B G_y Bᵀ)⁻¹` with `C = XᵀY` (n×n) and `G_y = YᵀY` (n×n).
    public static func refitLeft(weight w: Matrix<Double>, right b: Matrix<Double>, crossGram c: Matrix<Double>,
                                 inputGram gy: Matrix<Double>) throws -> Matrix<Double> {
        let n = w.columns
        guard b.columns == n, c.rows == n, c.columns == n, gy.rows == n, gy.columns == n else {
            throw DecompositionError.shapeMismatch(context: "refit: W \(w.rows)×\(w.columns), B \(b.rows)×\(b.columns), Gram \(gy.rows)×\(gy.columns), cross \(c.rows)×\(c.columns)")
        }
        return try _la {
            let rhs = try w.multiplied(by: c).multiplied(by: b, transposeOther: true)         // m×k
            let m = try b.multiplied(by: gy).multiplied(by: b, transposeOther: true)          // k×k
            let l = try CholeskyFactorization(m).lower                                         // M = L Lᵀ
            let z = try l.solveTriangular(rhs, side: .right, lower: true, transpose: true)    // Z Lᵀ = rhs
            return try l.solveTriangular(z, side: .right, lower: true)                         // A L = Z
        }
    }
}
