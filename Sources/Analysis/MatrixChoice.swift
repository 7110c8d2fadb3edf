/// The allocator's decision for one matrix.
public enum MatrixChoice: Sendable, Equatable, Codable {
    /// Keep W as it is.
    case dense
    /// Factor at this rank.
    case lowRank(Int)

    /// Stored parameters for an m×n matrix under this choice.
    public func parameters(rows m: Int, columns n: Int) -> Int {
        switch self {
        case .dense: return m * n
        case let .lowRank(k): return k * (m + n)
        }
    }
}
