/// One tensor of a GGUF file as its tensor-info record describes it.
///
/// GGUF stores dimensions fastest-varying first (`ne[0]` is the row length). `dimensions` keeps
/// that order; `shape` is the row-major reverse (slowest-varying first), the order `Tensor` and
/// every other API in this package use. A GGUF matrix with `ne = [4096, 32000]` has `shape`
/// `[32000, 4096]`: 32000 rows of 4096 values.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name (at most 63 bytes, as ggml's `GGML_MAX_NAME` allows).
    public var name: String
    /// The ggml storage type.
    public var type: GGMLType
    /// Dimensions as stored in the file: `ne[0]` (fastest-varying) first.
    public var dimensions: [Int]
    /// Offset of the tensor's data relative to the start of the data section (as stored).
    public var relativeOffset: Int
    /// Absolute byte offset of the tensor's data in the file (`dataOffset + relativeOffset`).
    public var fileOffset: Int
    /// Bytes of tensor data: `elementCount / type.blockSize * type.typeSize`.
    public var byteCount: Int

    /// Memberwise and unchecked; `GGUFFile` only creates infos it has validated (offsets aligned and inside
    /// the file, `byteCount` without overflow).
    public init(name: String, type: GGMLType, dimensions: [Int], relativeOffset: Int, fileOffset: Int, byteCount: Int) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.relativeOffset = relativeOffset
        self.fileOffset = fileOffset
        self.byteCount = byteCount
    }

    /// Dimensions in row-major order (slowest-varying first): `dimensions.reversed()`.
    public var shape: [Int] { Array(dimensions.reversed()) }

    /// Number of elements (the product of the dimensions; 1 for a 0-dimensional tensor).
    public var elementCount: Int { dimensions.reduce(1, *) }

    /// The format-independent description used by `WeightSource`.
    public var tensorInfo: TensorInfo {
        TensorInfo(name: name, shape: shape, storage: .ggml(type), byteCount: byteCount)
    }
}
