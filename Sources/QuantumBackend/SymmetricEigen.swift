/// Eigen-decomposition of a small real symmetric matrix by cyclic Jacobi rotations (Golub & Van
/// Loan §8.5): `A = V·diag(λ)·Vᵀ`, eigenvalues sorted descending. Accurate to a few ulps of ‖A‖;
/// used for the thin SVDs of matrix-product states, whose Gram matrices are at most 2χ × 2χ.
enum SymmetricEigen {
    /// Returns (eigenvalues, eigenvectors as columns of a row-major n×n).
    static func decompose(_ input: [Double], n: Int) -> ([Double], [Double]) {
        var a = input
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let scale = max(a.reduce(0) { max($0, abs($1)) }, 1e-300)
        for _ in 0..<60 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) where j < n { off += a[i * n + j] * a[i * n + j] } }
            if off.squareRoot() < 1e-15 * scale { break }
            for p in 0..<n { for q in (p + 1)..<max(n, p + 1) where q < n {
                let apq = a[p * n + q]
                if abs(apq) < 1e-300 { continue }
                let tau = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                let t = (tau >= 0 ? 1.0 : -1.0) / (abs(tau) + (1 + tau * tau).squareRoot())
                let c = 1 / (1 + t * t).squareRoot(), s = t * c
                for k in 0..<n {
                    let akp = a[k * n + p], akq = a[k * n + q]
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {
                    let apk = a[p * n + k], aqk = a[q * n + k]
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            } }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        let values = order.map { a[$0 * n + $0] }
        var vs = [Double](repeating: 0, count: n * n)
        for (newCol, old) in order.enumerated() { for r in 0..<n { vs[r * n + newCol] = v[r * n + old] } }
        return (values, vs)
    }
}
