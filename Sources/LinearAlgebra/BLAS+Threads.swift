import CBLAS

extension BLAS {
    /// OpenBLAS's worker thread count (`openblas_get_num_threads`; set at start-up from
    /// `OPENBLAS_NUM_THREADS`). Setting it calls `openblas_set_num_threads` (values < 1 become 1).
    /// Benchmarks set it so that both sides of a comparison use the same count.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: Swift.max(1, newValue))) }
    }
}

extension BLAS {
    /// OpenBLAS's build configuration and core name (`openblas_get_config`, `openblas_get_corename`),
    /// for benchmark reports.
    public static var configuration: String {
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        return "\(config) (core \(core))"
    }
}
