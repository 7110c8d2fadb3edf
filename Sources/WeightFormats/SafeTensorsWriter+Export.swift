import TensorCore

extension SafeTensorsWriter {
    /// Converts every tensor of `source` (any `WeightSource`: GGUF, llama2.c, safetensors) to
    /// `dtype` (F32, F16 or BF16) and writes one safetensors file at `path`, streaming: one tensor
    /// is materialised as Float32 at a time, in the writer's order. Names and shapes are kept.
    /// Throws what `source.float32(_:)` throws (e.g. `.unsupportedConversion` for integer tensors)
    /// and the writer's errors; on any error no file is left at `path`.
    public static func export(_ source: WeightSource, to path: String, dtype: DType, metadata: [String: String] = [:]) throws {
        guard SafeTensorsConversion.encodable.contains(dtype) else {
            throw WeightFormatError.unsupportedConversion(file: path, tensor: "*", type: dtype.rawValue)
        }
        let w = try SafeTensorsWriter(path: path, tensors: source.tensors.map { TensorDescriptor(name: $0.name, dtype: dtype, shape: $0.shape) },
                                      metadata: metadata)
        for d in w.order {
            try w.write(d.name, tensor: try source.float32(d.name))
        }
        try w.finish()
    }
}
