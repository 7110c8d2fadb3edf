import TensorCore

extension GGUFWriter {
    /// The storage type `DenseExport` gives a tensor of row-major `shape` when `type` is requested:
    /// `type` for tensors of two or more dimensions whose rows are whole `type` blocks; F32 for
    /// 0- and 1-dimensional tensors (norms, biases: llama.cpp's converters keep those F32 too)
    /// and for rows that do not split into blocks.
    public static func exportType(for shape: [Int], requested type: GGMLType) -> GGMLType {
        guard shape.count >= 2, let row = shape.last, row % type.blockSize == 0 else { return .f32 }
        return type
    }
}
