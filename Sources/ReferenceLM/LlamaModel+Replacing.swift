import WeightFormats

extension LlamaModel {
    /// A copy of this model in which the block linear layers for which `replacement` returns a value
    /// are swapped (e.g. for `.lowRank` factors of a compressed checkpoint), checked by the same shape
    /// rules as `init`. Embeddings, norms and the head are shared, not copied.
    public func replacingLinears(_ replacement: (TensorRole) throws -> Linear?) throws -> LlamaModel {
        let blocks = try self.blocks.enumerated().map { l, b -> LlamaBlockWeights in
            var nb = b
            func swap(_ kind: TensorRole.Kind, _ path: WritableKeyPath<LlamaBlockWeights, Linear>) throws {
                if let r = try replacement(TensorRole(layer: l, kind: kind)) { nb[keyPath: path] = r }
            }
            try swap(.attnQ, \.attnQ); try swap(.attnK, \.attnK); try swap(.attnV, \.attnV)
            try swap(.attnOutput, \.attnOutput); try swap(.ffnGate, \.ffnGate); try swap(.ffnUp, \.ffnUp)
            try swap(.ffnDown, \.ffnDown)
            return nb
        }
        return try LlamaModel(config: config, tokenEmbedding: tokenEmbedding, blocks: blocks, outputNorm: outputNorm,
                              output: tiedOutput ? nil : output, source: "replaced")
    }
}
