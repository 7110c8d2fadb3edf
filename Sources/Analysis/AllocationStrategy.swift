/// How the allocator spends the budget.
public enum AllocationStrategy: String, Sendable, Equatable, Codable {
    /// Greedy water-filling on predicted loss per parameter saved, with "keep dense" as a choice.
    case greedy
    /// The baseline: every matrix keeps the same fraction of its parameters (rank ⌊(1−f)·mn/(m+n)⌋).
    case uniform
}
