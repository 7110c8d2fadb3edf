import TensorCore

extension ShardedSafeTensorsWriter {
    /// Like `DenseExport.export(_:to: .safetensors, …)`, into shards of at most `maxShardBytes` tensor bytes plus
    /// `model.safetensors.index.json` in `directory`. Returns the index path.
    @discardableResult
    public static func export(_ source: WeightSource, to directory: String, dtype: DType, maxShardBytes: Int,
                              metadata: [String: String] = [:]) throws -> String {
        guard SafeTensorsConversion.encodable.contains(dtype) else {
            throw WeightFormatError.unsupportedConversion(file: directory, tensor: "*", type: dtype.rawValue)
        }
        let w = try ShardedSafeTensorsWriter(directory: directory,
                                             tensors: source.tensors.map { TensorDescriptor(name: $0.name, dtype: dtype, shape: $0.shape) },
                                             maxShardBytes: maxShardBytes, metadata: metadata)
        for d in w.order {
            try w.write(d.name, tensor: try source.float32(d.name))
        }
        return try w.finish()
    }
}
