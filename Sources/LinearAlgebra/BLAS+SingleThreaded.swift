extension BLAS {
    static let _singleThreadedRegions = _SingleThreadedRegions(get: { threadCount }, set: { threadCount = $0 })

    /// Runs `body` with OpenBLAS set to one thread, then restores the previous count.
    ///
    /// For callers that split work across their own threads and issue one single-threaded GEMM per
    /// thread (OpenBLAS's own workers would otherwise compete with them for the cores). Regions nest
    /// and may overlap across threads: the first entrant saves the count, the last one out restores
    /// it. While any region is open, `threadCount` reads 1 everywhere in the process, and a count set
    /// meanwhile is replaced by the saved one when the last region closes.
    public static func withSingleThreadedCalls<R>(_ body: () throws -> R) rethrows -> R {
        try _singleThreadedRegions.run(body)
    }
}
