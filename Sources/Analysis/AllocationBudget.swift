/// The global target of a rank allocation, over the linear-layer parameters described.
public enum AllocationBudget: Sendable, Equatable, Codable {
    /// Remove at least this fraction (0…1) of the parameters.
    case fractionRemoved(Double)
    /// Fit in at most `bytes`, storing every parameter in `bytesPerParameter` bytes.
    case bytes(Int, bytesPerParameter: Int)

    /// The number of parameters to remove from `total`, or an error when the budget is invalid.
    func removalTarget(total: Int) throws -> Int {
        switch self {
        case let .fractionRemoved(f):
            guard f.isFinite, f >= 0, f <= 1 else { throw AnalysisError.invalidAllocationInput(context: "fraction removed \(f) outside 0…1") }
            return Int((f * Double(total)).rounded(.up))
        case let .bytes(b, per):
            guard b >= 0, per >= 1 else { throw AnalysisError.invalidAllocationInput(context: "budget \(b) bytes at \(per) bytes per parameter") }
            return max(0, total - b / per)
        }
    }
}
