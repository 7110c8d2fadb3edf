import LinearAlgebra
import TensorCore

/// Linear layers that read the same input (q/k/v; gate/up; or a single layer), applied together by
/// a fixed number of workers: a derived, cached form of a block's `Linear` values, correct for any mix
/// of dense, low-rank and tensor-train members.
///
/// - The `B` factors of the low-rank members are stacked into one `(Σr, in)` matrix, so their first
///   GEMMs are one: `t (rows, Σr) = x · [B₁; B₂; …]ᵀ`, split by columns across workers.
/// - Then every member's output columns are split across workers (one GEMM per member per worker,
///   single-threaded BLAS): dense `y[:, c] = x · W[c]ᵀ`, low-rank `y[:, c] = t_m · A[c]ᵀ`.
/// - Tensor-train members run first, whole, on the calling thread.
///
/// Splitting columns does not change any sum (each output is the same dot product over `in`, or `r`).
struct _LinearGroup: Sendable {
    let members: [Linear]
    let inFeatures: Int
    /// Stacked `B` factors of the low-rank members (Σr, in); shares storage when there is one.
    let stackedB: [Float]
    /// Per member, the offset of its rank rows in `stackedB` (nil unless low-rank).
    let rankOffsets: [Int?]
    /// Σr over the low-rank members.
    let totalRank: Int

    init(_ members: [Linear]) {
        self.members = members
        inFeatures = members.first?.inFeatures ?? 0
        var offsets: [Int?] = [], total = 0
        var bs: [Tensor] = []
        for m in members {
            if case let .lowRank(_, b) = m {
                offsets.append(total)
                total += b.shape[0]
                bs.append(b)
            } else {
                offsets.append(nil)
            }
        }
        rankOffsets = offsets
        totalRank = total
        if bs.count == 1 {
            stackedB = bs[0].storage
        } else {
            var s: [Float] = []
            s.reserveCapacity(total * inFeatures)
            for b in bs { s.append(contentsOf: b.storage) }
            stackedB = s
        }
    }

    /// `outputs[m] (rows, out_m) = x (rows, in) · W_mᵀ` for every member. `scratch` holds at least
    /// `rows · totalRank` values. `epilogue(w)` runs on worker `w` after its GEMMs (each worker owns the
    /// columns `workers.share(of: out_m, worker: w)` of every member).
    func apply(_ x: UnsafePointer<Float>, rows: Int, outputs: [UnsafeMutablePointer<Float>],
               scratch: UnsafeMutablePointer<Float>, workers: _Workers,
               epilogue: ((Int) -> Void)? = nil) throws {
        guard rows > 0 else { return }
        let n = inFeatures
        for (m, lin) in members.enumerated() {
            if case .tensorTrain = lin { try lin.apply(x, rows: rows, into: outputs[m]) }
        }
        if totalRank > 0 {
            stackedB.withUnsafeBufferPointer { bp in
                let b = bp.baseAddress!
                workers.run { w in
                    let c = workers.share(of: totalRank, worker: w)
                    guard !c.isEmpty else { return }
                    BLAS.gemm(transB: true, m: rows, n: c.count, k: n, a: x, lda: n, b: b + c.lowerBound * n, ldb: n,
                              c: scratch + c.lowerBound, ldc: totalRank)
                }
            }
        }
        workers.run { w in
            for (m, lin) in members.enumerated() {
                let y = outputs[m]
                switch lin {
                case let .dense(wt):
                    let o = wt.shape[0]
                    let c = workers.share(of: o, worker: w)
                    guard !c.isEmpty else { continue }
                    wt.storage.withUnsafeBufferPointer { wp in
                        BLAS.gemm(transB: true, m: rows, n: c.count, k: n, a: x, lda: n, b: wp.baseAddress! + c.lowerBound * n,
                                  ldb: n, c: y + c.lowerBound, ldc: o)
                    }
                case let .lowRank(a, _):
                    let (o, r) = (a.shape[0], a.shape[1])
                    let c = workers.share(of: o, worker: w)
                    guard !c.isEmpty, let off = rankOffsets[m] else { continue }
                    a.storage.withUnsafeBufferPointer { ap in
                        BLAS.gemm(transB: true, m: rows, n: c.count, k: r, a: scratch + off, lda: totalRank,
                                  b: ap.baseAddress! + c.lowerBound * r, ldb: r, c: y + c.lowerBound, ldc: o)
                    }
                case .tensorTrain:
                    continue
                }
            }
            epilogue?(w)
        }
    }
}
