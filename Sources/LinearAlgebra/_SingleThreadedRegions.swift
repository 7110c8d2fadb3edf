import Foundation

/// The nesting count behind `BLAS.withSingleThreadedCalls`, over an injectable thread-count property
/// (OpenBLAS's, process-global). Regions nest and may overlap across threads: the first entrant saves
/// the count, every entrant forces 1, the last one out restores the saved count.
final class _SingleThreadedRegions: @unchecked Sendable {
    private let lock = NSLock()
    private var depth = 0
    private var saved = 1
    private let get: @Sendable () -> Int
    private let set: @Sendable (Int) -> Void

    init(get: @escaping @Sendable () -> Int, set: @escaping @Sendable (Int) -> Void) {
        self.get = get
        self.set = set
    }

    func run<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        if depth == 0 { saved = get() }
        if get() != 1 { set(1) }
        depth += 1
        lock.unlock()
        defer {
            lock.lock()
            depth -= 1
            if depth == 0, saved != 1 { set(saved) }
            lock.unlock()
        }
        return try body()
    }
}
