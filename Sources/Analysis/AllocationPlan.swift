/// The result of `RankAllocator.allocate`: one choice per matrix, in input order, and what it costs.
public struct AllocationPlan: Sendable, Equatable, Codable {
    /// The strategy used.
    public let strategy: AllocationStrategy
    /// Labels, in input order.
    public let labels: [String]
    /// Choices, in input order.
    public let choices: [MatrixChoice]
    /// Predicted loss per matrix: importance × discarded energy (÷ total energy under `.relativeEnergy`); 0 for dense.
    public let predictedLoss: [Double]
    /// Σ mn.
    public let parametersBefore: Int
    /// Σ stored parameters under the plan.
    public let parametersAfter: Int

    /// 1 − after/before.
    public var fractionRemoved: Double { parametersBefore > 0 ? 1 - Double(parametersAfter) / Double(parametersBefore) : 0 }
    /// Σ predicted loss.
    public var totalPredictedLoss: Double { predictedLoss.reduce(0, +) }
    /// How many matrices stay dense.
    public var denseCount: Int { choices.filter { $0 == .dense }.count }
}
