import Decomposition
import Foundation
import LinearAlgebra

/// Keeps, per matrix and method, the input whitening and the eigendecomposition of the (whitened)
/// weight's Gram matrix that truncation starts from, so that a caller evaluating several budgets of one
/// method — `allone-compress report` — pays for one decomposition per matrix instead of one per budget.
/// Truncating a kept decomposition gives exactly the factors a fresh one would: both go through
/// `GramTruncation.factor(_:rank:)` on the same prepared value.
///
/// Memory: about 1.5× the matrix in Float64 per entry; call `removeAll()` between methods.
public final class DecompositionCache: @unchecked Sendable {
    private var entries: [String: (InputWhitening?, GramTruncation.Prepared)] = [:]
    private let lock = NSLock()
    /// masvd's pass-1 spectra (`GramTruncation.WeightedSpectrum`), in memory.
    let spectra = _SpectrumStore(directory: nil)

    /// An empty cache.
    public init() {}

    /// Drops everything kept.
    public func removeAll() {
        lock.lock(); defer { lock.unlock() }
        entries.removeAll()
        spectra.removeAll()
    }

    /// Number of kept decompositions (masvd's spectra included).
    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        return entries.count + spectra.count
    }

    func truncation(_ key: String) -> (InputWhitening?, GramTruncation.Prepared)? {
        lock.lock(); defer { lock.unlock() }
        return entries[key]
    }

    func store(_ key: String, _ value: (InputWhitening?, GramTruncation.Prepared)) {
        lock.lock(); defer { lock.unlock() }
        entries[key] = value
    }
}
