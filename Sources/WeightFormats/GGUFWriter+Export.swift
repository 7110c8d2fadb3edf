import TensorCore

extension GGUFWriter {
    /// The storage type `export` gives a tensor of row-major `shape` when `type` is requested:
    /// `type` for tensors of two or more dimensions whose rows are whole `type` blocks; F32 for
    /// 0- and 1-dimensional tensors (norms, biases: llama.cpp's converters keep those F32 too)
    /// and for rows that do not split into blocks.
    public static func exportType(for shape: [Int], requested type: GGMLType) -> GGMLType {
        guard shape.count >= 2, let row = shape.last, row % type.blockSize == 0 else { return .f32 }
        return type
    }

    /// Streams every tensor of `source` into a new GGUF v3 file at `path`, one tensor in memory at
    /// a time: each is read with `source.float32(_:)` and encoded as `exportType(for:requested:)`.
    ///
    /// - Parameters:
    ///   - type: F32, F16, BF16, Q8_0 or Q4_0.
    ///   - metadata: written in order; `nil` copies a `GGUFFile` source's metadata (minus
    ///     `general.alignment`, which the writer sets) and writes none for other sources.
    ///   - rename: the GGUF name of each tensor (default: its name unchanged).
    /// - Returns: the tensor specs written.
    @discardableResult
    public static func export(_ source: WeightSource, to path: String, type: GGMLType,
                              metadata: [(key: String, value: MetadataValue)]? = nil,
                              rename: (TensorInfo) -> String = { $0.name }) throws -> [TensorSpec] {
        guard GGMLQuantize.supportedTypes.contains(type) else {
            throw WeightFormatError.unsupportedConversion(file: path, tensor: "*", type: type.name)
        }
        let meta = metadata ?? ((source as? GGUFFile)?.orderedMetadata.filter { $0.key != "general.alignment" } ?? [])
        let specs = source.tensors.map {
            TensorSpec(name: rename($0), shape: $0.shape, type: exportType(for: $0.shape, requested: type))
        }
        let writer = try GGUFWriter(path: path, metadata: meta, tensors: specs)
        for (info, spec) in zip(source.tensors, specs) {
            let t = try source.float32(info.name)
            try writer.write(spec.name, values: t.storage)
        }
        try writer.finish()
        return specs
    }
}
