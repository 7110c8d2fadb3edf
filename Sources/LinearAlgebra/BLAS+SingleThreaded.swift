import Foundation

extension BLAS {
    /// Guards `_singleThreadedDepth` / `_savedThreadCount` (OpenBLAS's thread count is process-global).
    private static let _singleThreadedLock = NSLock()
    nonisolated(unsafe) private static var _singleThreadedDepth = 0
    nonisolated(unsafe) private static var _savedThreadCount = 1

    /// Runs `body` with OpenBLAS set to one thread, then restores the previous count.
    ///
    /// For callers that split work across their own threads and issue one single-threaded GEMM per
    /// thread (OpenBLAS's own workers would otherwise compete with them for the cores). Regions nest
    /// and may overlap across threads: the first entrant saves the count, the last one out restores
    /// it. While any region is open, `threadCount` reads 1 everywhere in the process.
    public static func withSingleThreadedCalls<R>(_ body: () throws -> R) rethrows -> R {
        _singleThreadedLock.lock()
        if _singleThreadedDepth == 0 {
            _savedThreadCount = threadCount
            if _savedThreadCount != 1 { threadCount = 1 }
        }
        _singleThreadedDepth += 1
        _singleThreadedLock.unlock()
        defer {
            _singleThreadedLock.lock()
            _singleThreadedDepth -= 1
            if _singleThreadedDepth == 0, _savedThreadCount != 1 { threadCount = _savedThreadCount }
            _singleThreadedLock.unlock()
        }
        return try body()
    }
}
