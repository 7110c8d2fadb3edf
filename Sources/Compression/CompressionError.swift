/// Errors of the compression pipeline. Every case names the file and, where one is involved, the
/// tensor; nothing in the module traps on bad input.
public enum CompressionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The checkpoint has no transformer block linear layers (q/k/v/o, gate/up/down) to compress.
    case unsupportedArchitecture(file: String, reason: String)
    /// `--ratio` outside the open interval (0, 1), or a non-positive byte budget.
    case invalidBudget(String)
    /// Weights hold NaN or infinite values: every such tensor, in file order (`Compressor.nonFiniteTensors(in:)`).
    case nonFiniteTensors(file: String, tensors: [NonFiniteTensor])
    /// The output would overwrite the input.
    case outputIsInput(file: String)
    /// The calibration data is too short to measure the layers' inputs.
    case calibrationTooShort(file: String, tokens: Int, minimum: Int)
    /// The method needs calibration statistics this layer does not have.
    case missingCalibration(file: String, tensor: String, reason: String)
    /// A calibration statistics file is malformed.
    case invalidStatistics(file: String, field: String, reason: String)
    /// A compressed checkpoint is malformed (bad manifest, missing or inconsistent stored tensor).
    case invalidCheckpoint(file: String, field: String, reason: String)
    /// A stored tensor's bytes do not match the SHA-256 its manifest records.
    case checksumMismatch(file: String, tensor: String, expected: String, found: String)
    /// The resume journal beside the output cannot be used.
    case journal(path: String, reason: String)
    /// A tensor could not be factorized (the decomposition's own error).
    case factorization(file: String, tensor: String, reason: String)
    /// Work stopped on request (tests of resumption).
    case interrupted(afterTensors: Int)
    /// A file (the source checkpoint or a statistics file) could not be read to the end to checksum it.
    case unreadable(file: String, reason: String)

    /// One line naming the file (and the tensor or field, where one is involved), then the reason.
    public var description: String {
        switch self {
        case let .unsupportedArchitecture(f, r): return "\(f): unsupported architecture: \(r)"
        case let .invalidBudget(r): return "invalid budget: \(r)"
        case let .nonFiniteTensors(f, ts):
            let limit = Compressor.nonFiniteReportLimit
            let more = ts.count > limit ? ", and \(ts.count - limit) more" : ""
            return "\(f): \(ts.count) tensor\(ts.count == 1 ? " holds" : "s hold") NaN or infinite values: "
                + ts.prefix(limit).map(\.description).joined(separator: ", ") + more
        case let .outputIsInput(f): return "\(f): output path is the input file"
        case let .calibrationTooShort(f, t, m): return "\(f): calibration too short: \(t) tokens, need at least \(m)"
        case let .missingCalibration(f, t, r): return "\(f): no calibration statistics for tensor '\(t)': \(r)"
        case let .invalidStatistics(f, field, r): return "\(f): invalid calibration statistics: \(field): \(r)"
        case let .invalidCheckpoint(f, field, r): return "\(f): invalid compressed checkpoint: \(field): \(r)"
        case let .checksumMismatch(f, t, e, found): return "\(f): checksum mismatch in tensor '\(t)': manifest \(e), bytes \(found)"
        case let .journal(p, r): return "\(p): resume journal: \(r)"
        case let .factorization(f, t, r): return "\(f): cannot factorize tensor '\(t)': \(r)"
        case let .interrupted(n): return "interrupted after \(n) tensors"
        case let .unreadable(f, r): return "\(f): cannot read: \(r)"
        }
    }
}
