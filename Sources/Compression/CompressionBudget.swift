/// The one global budget a compression is planned under.
public enum CompressionBudget: Sendable, Equatable, Codable {
    /// Remove this fraction, in the open interval (0, 1), of the block linear layers' parameters.
    case ratio(Double)
    /// Keep the stored tensor data of the whole checkpoint within this many bytes.
    case bytes(Int)

    /// Checks the budget's domain; throws `CompressionError.invalidBudget`.
    public func validate() throws {
        switch self {
        case let .ratio(r):
            guard r.isFinite, r > 0, r < 1 else { throw CompressionError.invalidBudget("ratio \(r) is outside (0, 1)") }
        case let .bytes(b):
            guard b > 0 else { throw CompressionError.invalidBudget("byte budget \(b) must be positive") }
        }
    }
}
