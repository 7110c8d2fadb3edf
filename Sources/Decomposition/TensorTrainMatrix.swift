import LinearAlgebra
import TensorCore

/// A weight matrix in tensor-train-matrix (MPO) form: with m ≤ M = ∏ m_k and n ≤ N = ∏ n_k
/// (zero padding where a dimension factors badly), `W(i, j) = G₁[i₁, j₁] ⋯ G_d[i_d, j_d]` with
/// row index i = (i₁…i_d), column index j = (j₁…j_d) in row-major digit order and cores of shape
/// (r_{k−1}, m_k, n_k, r_k).
///
/// Built by TT-SVD (Oseledets 2011) of the tensor W(i₁…i_d, j₁…j_d) permuted to
/// (i₁j₁, …, i_dj_d) — the same guarantee ‖W − TT‖_F ≤ ε‖W‖_F for `relativeAccuracy(ε)`.
/// Optional input-side whitening (the measurement-aware variant): the train approximates W·S
/// and inputs are mapped by S⁻¹ first, so the truncation minimises output error on calibration
/// inputs; S is then part of the stored parameters (`parameterCount` counts it).
public struct TensorTrainMatrix: Sendable, Equatable {
    /// m, n of the original (unpadded) matrix.
    public let rows: Int, columns: Int
    /// m_k and n_k, with ∏m_k ≥ m and ∏n_k ≥ n.
    public let rowFactors: [Int], columnFactors: [Int]
    /// The train over modes (m_k n_k); core k viewed as (r_{k−1}, m_k, n_k, r_k).
    public let train: TensorTrain
    /// The whitening S when built measurement-aware (the train then holds W·S).
    public let inputWhitening: InputWhitening?

    /// Padded row count ∏ m_k.
    public var paddedRows: Int { rowFactors.reduce(1, *) }
    /// Padded column count ∏ n_k.
    public var paddedColumns: Int { columnFactors.reduce(1, *) }
    /// r₀…r_d.
    public var ranks: [Int] { train.ranks }
    /// Core values plus the stored whitening (n(n+1)/2 for a Cholesky factor, n for a diagonal).
    public var parameterCount: Int {
        let s: Int
        switch inputWhitening {
        case .none: s = 0
        case let .some(.cholesky(l, _)): s = l.rows * (l.rows + 1) / 2
        case let .some(.diagonal(d, _)): s = d.count
        }
        return train.parameterCount + s
    }

    /// Wraps a train read back from storage, checking that it has one mode per factor pair with
    /// size m_k·n_k, that ∏m_k ≥ m and ∏n_k ≥ n, and that a whitening has dimension n.
    public init(rows: Int, columns: Int, rowFactors: [Int], columnFactors: [Int], train: TensorTrain,
                inputWhitening: InputWhitening? = nil) throws {
        guard rows > 0, columns > 0, rowFactors.count == columnFactors.count, rowFactors.count == train.shape.count,
              rowFactors.allSatisfy({ $0 > 0 }), columnFactors.allSatisfy({ $0 > 0 }),
              zip(zip(rowFactors, columnFactors), train.shape).allSatisfy({ $0.0 * $0.1 == $1 }),
              rowFactors.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) >= rows,
              columnFactors.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) >= columns else {
            throw DecompositionError.shapeMismatch(context: "TT-matrix \(rows)×\(columns) with factors \(rowFactors) × \(columnFactors) and modes \(train.shape)")
        }
        if let s = inputWhitening, s.dimension != columns {
            throw DecompositionError.shapeMismatch(context: "TT-matrix whitening of dimension \(s.dimension) for \(columns) inputs")
        }
        self.rows = rows
        self.columns = columns
        self.rowFactors = rowFactors
        self.columnFactors = columnFactors
        self.train = train
        self.inputWhitening = inputWhitening
    }

    /// TT-matrix of `w` (m×n). Factorizations are chosen by `factorShape(_:order:)` unless given.
    /// - Parameters:
    ///   - order: d, the number of cores (≥ 1) when factors are not given.
    ///   - calibration: when given, whitens the input side with the Cholesky factor of its Gram
    ///     matrix (shifted if needed, as in `MeasurementAwareSVD`).
    public static func decompose(_ w: Matrix<Float>, truncation: TensorTrainTruncation, order: Int = 3,
                                 rowFactors: [Int]? = nil, columnFactors: [Int]? = nil,
                                 calibration: CalibrationStatistics? = nil) throws -> TensorTrainMatrix {
        guard order >= 1 else { throw DecompositionError.invalidParameter(name: "order", value: "\(order)", reason: "must be ≥ 1") }
        guard w.rows > 0, w.columns > 0 else { throw DecompositionError.shapeMismatch(context: "TT-matrix of an empty \(w.rows)×\(w.columns) matrix") }
        let mf = rowFactors ?? factorShape(w.rows, order: order)
        let nf = columnFactors ?? factorShape(w.columns, order: order)
        guard mf.count == nf.count, mf.allSatisfy({ $0 > 0 }), nf.allSatisfy({ $0 > 0 }),
              let pm = Tensor.elementCount(mf), let pn = Tensor.elementCount(nf),
              pm >= w.rows, pn >= w.columns, pm <= 2 * w.rows, pn <= 2 * w.columns else {
            throw DecompositionError.invalidParameter(name: "factors", value: "\(mf) × \(nf)",
                                                      reason: "need equal counts with products in \(w.rows)...\(2 * w.rows) and \(w.columns)...\(2 * w.columns)")
        }
        var whitening: InputWhitening? = nil
        var target = w
        if let cal = calibration {
            guard let g = cal.gram else { throw DecompositionError.missingCalibration("TT whitening needs the Gram matrix") }
            guard g.rows == w.columns else { throw DecompositionError.shapeMismatch(context: "Gram \(g.rows)×\(g.rows) for \(w.columns) inputs") }
            let s = try InputWhitening.cholesky(gram: g)
            whitening = s
            target = try s.applyRight(w.converted(to: Double.self)).converted(to: Float.self)
        }
        let d = mf.count
        let bigM = mf.reduce(1, *), bigN = nf.reduce(1, *)
        // Pad to M×N, view as (m₁…m_d, n₁…n_d), permute to (m₁, n₁, m₂, n₂, …).
        var padded = [Float](repeating: 0, count: bigM * bigN)
        for i in 0..<w.rows { for j in 0..<w.columns { padded[i * bigN + j] = target.values[i * w.columns + j] } }
        var perm: [Int] = []
        for k in 0..<d { perm.append(k); perm.append(d + k) }
        let interleaved = _permute(padded, shape: mf + nf, perm: perm)
        let train = try TensorTrain.decompose(interleaved, shape: zip(mf, nf).map { $0 * $1 }, truncation: truncation)
        return try TensorTrainMatrix(rows: w.rows, columns: w.columns, rowFactors: mf, columnFactors: nf, train: train,
                                     inputWhitening: whitening)
    }

    /// The dense m×n matrix represented (contracting the cores, undoing the permutation and
    /// padding, and applying S⁻¹ when whitened).
    public func contracted() throws -> Matrix<Float> {
        let d = rowFactors.count
        let full = try train.contracted()  // (m₁, n₁, …, m_d, n_d)
        var shape: [Int] = []
        for k in 0..<d { shape.append(rowFactors[k]); shape.append(columnFactors[k]) }
        var perm: [Int] = []
        for k in 0..<d { perm.append(2 * k) }
        for k in 0..<d { perm.append(2 * k + 1) }
        let dense = _permute(full, shape: shape, perm: perm)  // (M, N)
        let bigN = paddedColumns
        var out = [Float](repeating: 0, count: rows * columns)
        for i in 0..<rows { for j in 0..<columns { out[i * columns + j] = dense[i * bigN + j] } }
        let m = try _la { try Matrix<Float>(rows: rows, columns: columns, values: out) }
        guard let s = inputWhitening else { return m }
        return try s.solveRight(m.converted(to: Double.self)).converted(to: Float.self)
    }

    /// `Y = X·Wᵀ` for a batch of input rows x (batch×n) → (batch×m), core by core, never forming W:
    /// cost O(batch · Σ_k r_{k−1} r_k m_k n_k · (∏_{l<k} m_l)(∏_{l>k} n_l)).
    public func apply(_ x: Matrix<Float>) throws -> Matrix<Float> {
        guard x.columns == columns else {
            throw DecompositionError.shapeMismatch(context: "TT-matrix apply: input has \(x.columns) features, expected \(columns)")
        }
        var input = x
        if let s = inputWhitening { input = try s.whitenInputs(x.converted(to: Double.self)).converted(to: Float.self) }
        let batch = x.rows, bigN = paddedColumns, bigM = paddedRows
        var state = [Float](repeating: 0, count: batch * bigN)   // (P = batch, r₀ = 1, n₁…n_d)
        for b in 0..<batch { for j in 0..<columns { state[b * bigN + j] = input.values[b * columns + j] } }
        var p = batch, rest = bigN
        for k in 0..<rowFactors.count {
            let r0 = train.ranks[k], r1 = train.ranks[k + 1], mk = rowFactors[k], nk = columnFactors[k]
            rest /= nk
            // state (P, r0, nk, R') → (P, R', r0, nk)
            let t = _permute(state, shape: [p, r0, nk, rest], perm: [0, 3, 1, 2])
            // core (r0, mk, nk, r1) → (r0, nk, mk, r1)
            let g = _permute(train.cores[k], shape: [r0, mk, nk, r1], perm: [0, 2, 1, 3])
            let tm = try _la { try Matrix<Float>(rows: p * rest, columns: r0 * nk, values: t) }
            let gm = try _la { try Matrix<Float>(rows: r0 * nk, columns: mk * r1, values: g) }
            let prod = try _la { try tm.multiplied(by: gm) }               // (P, R', mk, r1)
            state = _permute(prod.values, shape: [p, rest, mk, r1], perm: [0, 2, 3, 1])  // (P, mk, r1, R')
            p *= mk
        }
        // state is (batch, m₁…m_d) = (batch, M); crop to m.
        var out = [Float](repeating: 0, count: batch * rows)
        for b in 0..<batch { for i in 0..<rows { out[b * rows + i] = state[b * bigM + i] } }
        return try _la { try Matrix<Float>(rows: batch, columns: rows, values: out) }
    }

    /// A balanced factorization of `n` into `order` factors (largest prime first onto the smallest
    /// product), padding n up to the first value (at most n + n/8) whose largest factor is at most
    /// 2·⌈n^{1/order}⌉ — so a prime such as 577 becomes 578 = 2·17·17 rather than a 577-wide core.
    /// Falls back to the unpadded factorization when no such value exists.
    public static func factorShape(_ n: Int, order: Int) -> [Int] {
        guard n > 1, order > 1 else { return [max(n, 1)] + [Int](repeating: 1, count: max(order - 1, 0)) }
        var root = 1
        while _intPow(root, order) < n { root += 1 }
        let bound = 2 * root
        for candidate in n...(n + max(n / 8, 1)) {
            let f = balancedFactors(candidate, order: order)
            if (f.max() ?? candidate) <= bound { return f }
        }
        return balancedFactors(n, order: order)
    }

    /// The factorization of n into `order` factors with the smallest largest factor (ties: the
    /// largest smallest factor), by exhaustive search over divisors; sorted non-increasing.
    static func balancedFactors(_ n: Int, order: Int) -> [Int] {
        var best: [Int] = [n] + [Int](repeating: 1, count: max(order - 1, 0))
        func better(_ a: [Int], _ b: [Int]) -> Bool {
            let (amax, bmax) = (a.max() ?? 0, b.max() ?? 0)
            return amax != bmax ? amax < bmax : (a.min() ?? 0) > (b.min() ?? 0)
        }
        func search(_ remaining: Int, _ slots: Int, _ minFactor: Int, _ acc: [Int]) {
            if slots == 1 {
                if remaining >= minFactor { let c = acc + [remaining]; if better(c, best) { best = c } }
                return
            }
            var f = minFactor
            while _intPow(f, slots) <= remaining {
                if remaining % f == 0 { search(remaining / f, slots - 1, f, acc + [f]) }
                f += 1
            }
        }
        search(n, order, 1, [])
        return best.sorted(by: >)
    }
}

func _intPow(_ b: Int, _ e: Int) -> Int {
    var r = 1
    for _ in 0..<e {
        let (v, o) = r.multipliedReportingOverflow(by: b)
        if o { return Int.max }
        r = v
    }
    return r
}
