import Decomposition

extension MatrixProductState {
    /// The left-canonical MPS of a tensor train built by `Decomposition.TensorTrain` (TT-SVD,
    /// Oseledets 2011) over `n` modes of size 2 — e.g. a weight row reshaped to `[2, 2, …, 2]` — so the
    /// engine's trains can be encoded as circuits. The train is contracted and re-factored in Float64
    /// into left-canonical form (the circuit encoding needs isometric cores); bonds are capped at the
    /// train's largest rank, so the state is the train's, up to Float32 rounding of its cores.
    public init(train: TensorTrain) throws {
        guard !train.shape.isEmpty, train.shape.allSatisfy({ $0 == 2 }) else {
            throw QuantumError.invalidArgument("MPS from a tensor train: every mode must have size 2, got \(train.shape)")
        }
        let dense: [Float]
        do { dense = try train.contracted() } catch {
            throw QuantumError.invalidArgument("MPS from a tensor train: \(error)")
        }
        try self.init(dense: dense.map(Double.init), maxBond: max(train.ranks.max() ?? 1, 1))
    }
}
