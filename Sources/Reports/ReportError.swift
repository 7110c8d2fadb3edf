/// Errors of `ReportRunner` that no lower module raises: inputs that would make the comparison
/// meaningless. Each names the file or option at fault.
public enum ReportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The calibration and evaluation texts are the same file (after resolving links) or have the same
    /// content: a model measured on its calibration text flatters the compression.
    case sameText(calibration: String, evaluation: String, reason: String)
    /// The evaluation text gives fewer tokens than a perplexity worth comparing needs.
    case evaluationTooShort(file: String, tokens: Int, minimum: Int)
    /// An option's value is unusable (empty or repeated method or budget lists, …).
    case invalidOption(name: String, reason: String)

    /// The message the CLI prints (exit status 2): names the file or option, then why it is refused.
    public var description: String {
        switch self {
        case let .sameText(c, e, r):
            return "\(c) and \(e): the calibration and evaluation texts are \(r): a model measured on its calibration text flatters the compression"
        case let .evaluationTooShort(f, t, m):
            return "\(f): evaluation text too short: \(t) tokens, need at least \(m) for a perplexity worth comparing"
        case let .invalidOption(n, r): return "\(n): \(r)"
        }
    }
}
