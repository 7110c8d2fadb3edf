import ReferenceLM
import TensorCore
import WeightFormats

extension LlamaModel {
    /// This model with its block linear layers replaced by compressed ones, run natively where the
    /// runtime can: a low-rank entry becomes `Linear.lowRank(a, b)` and a TT entry `Linear.tensorTrain`
    /// (cores contracted in order, never densified); dense entries keep
    /// the model's own layer. Layers are matched by `TensorRole` (layer, kind), so GGUF and HF names
    /// both work. Embeddings, norms and the head are shared.
    /// With `contractTensorTrains`, TT entries become their dense contraction instead (the same
    /// function; `report` uses it because the core-by-core apply is slow for a whole model).
    public func replacingLinears(with tensors: [CompressedTensor], contractTensorTrains: Bool = false) throws -> LlamaModel {
        var byRole: [TensorRole: CompressedTensor] = [:]
        for t in tensors { if let r = TensorRole(name: t.entry.name) { byRole[r] = t } }
        return try replacingLinears { role in
            guard let t = byRole[role] else { return nil }
            if let f = t.lowRank {
                return try Linear.lowRank(a: f.a.tensor, b: f.b.tensor, name: t.entry.name, source: "compressed")
            }
            if let tt = t.tensorTrain {
                return contractTensorTrains ? try Linear.dense(try tt.contracted().tensor, name: t.entry.name, source: "compressed") : .tensorTrain(tt)
            }
            return nil
        }
    }

    /// This model with the block linear layers of `checkpoint` (see `replacingLinears(with:)` for
    /// in-memory tensors): low-rank and TT layers natively, dense layers from the checkpoint.
    public func replacingLinears(with checkpoint: CompressedCheckpoint) throws -> LlamaModel {
        var names: [TensorRole: String] = [:]
        for t in checkpoint.tensors { if let r = t.role, r.kind.isBlockLinear, !r.isBias { names[r] = t.name } }
        return try replacingLinears { role in
            guard let name = names[role] else { return nil }
            if let f = try checkpoint.lowRankFactors(name) {
                return try Linear.lowRank(a: f.a.tensor, b: f.b.tensor, name: name, source: checkpoint.path)
            }
            if let tt = try checkpoint.tensorTrain(name) { return .tensorTrain(tt) }
            return try Linear.dense(try checkpoint.float32(name), name: name, source: checkpoint.path)
        }
    }
}
