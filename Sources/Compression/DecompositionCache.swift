import Decomposition
import Foundation
import LinearAlgebra

/// Keeps the SVD (or whitened SVD) computed for each matrix, so that a caller evaluating several
/// budgets of one method — `allone-compress report` — pays for one decomposition per matrix instead
/// of one per budget. Truncating a kept decomposition gives exactly the factors a fresh one would
/// (both go through `TruncatedSVD.factor(svd:rank:)` / `WhitenedDecomposition.factors(rank:)`).
///
/// Memory: a thin SVD is about the size of its matrix in the decomposition's precision (Float32 for
/// plain SVD, Float64 for whitened ones); call `removeAll()` between methods.
public final class DecompositionCache: @unchecked Sendable {
    private var plain: [String: SingularValueDecomposition<Float>] = [:]
    private var prepared: [String: WhitenedDecomposition] = [:]
    private let lock = NSLock()

    public init() {}

    /// Drops every kept decomposition.
    public func removeAll() {
        lock.lock(); defer { lock.unlock() }
        plain.removeAll()
        prepared.removeAll()
    }

    /// The SVD of `w` (tensor `name`), computed once.
    public func svd(_ name: String, _ w: Matrix<Float>) throws -> SingularValueDecomposition<Float> {
        lock.lock()
        if let s = plain[name] { lock.unlock(); return s }
        lock.unlock()
        let s = try SingularValueDecomposition(w)
        lock.lock(); plain[name] = s; lock.unlock()
        return s
    }

    /// `MeasurementAwareSVD.prepare(w, calibration:, method:)` for tensor `name`, computed once per method.
    public func whitened(_ name: String, _ w: Matrix<Float>, calibration: CalibrationStatistics,
                         method: MeasurementAwareSVD.Method) throws -> WhitenedDecomposition {
        let key = "\(name)|\(method)"
        lock.lock()
        if let p = prepared[key] { lock.unlock(); return p }
        lock.unlock()
        let p = try MeasurementAwareSVD.prepare(w, calibration: calibration, method: method)
        lock.lock(); prepared[key] = p; lock.unlock()
        return p
    }
}
