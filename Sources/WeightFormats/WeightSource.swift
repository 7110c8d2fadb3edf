import TensorCore

/// How a tensor is stored in its file: a dense element type or a ggml (block-quantized) type.
public enum StorageType: Sendable, Equatable, CustomStringConvertible {
    /// Plain elements of this type (safetensors, llama2.c, compressed checkpoints).
    case dense(DType)
    /// A ggml type: every tensor of a GGUF file, quantized or not (GGUF F32 and F16 included).
    case ggml(GGMLType)

    /// The name used in reports (`F32`, `BF16`, `Q4_K`).
    public var description: String {
        switch self {
        case let .dense(d): return d.rawValue
        case let .ggml(g): return g.name
        }
    }
}

/// Description of one tensor of a checkpoint, read from its header without touching the data.
public struct TensorInfo: Sendable, Equatable {
    /// The name as stored in the file.
    public var name: String
    /// Dimensions in row-major order (slowest-varying first), whatever order the file uses.
    /// GGUF stores `ne[0]` (fastest) first; readers reverse it here.
    public var shape: [Int]
    /// How the bytes are stored: `.dense(DType)`, or `.ggml(type)` for every GGUF tensor.
    public var storage: StorageType
    /// Bytes the tensor occupies in the file.
    public var byteCount: Int
    /// What the tensor is for, when its name is recognised.
    public var role: TensorRole?

    /// Stores the fields; `role` nil means recognise it from `name` (`TensorRole(name:)`), so a recognisable
    /// name always gets its role. Unchecked: `byteCount` is what the reader says the file holds.
    public init(name: String, shape: [Int], storage: StorageType, byteCount: Int, role: TensorRole? = nil) {
        self.name = name
        self.shape = shape
        self.storage = storage
        self.byteCount = byteCount
        self.role = role ?? TensorRole(name: name)
    }

    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A checkpoint that can hand out its tensors one at a time as `Float32`.
///
/// Implementations (`SafeTensorsFile`, `ShardedSafeTensors`, `GGUFFile`, `Llama2CCheckpoint`)
/// validate the whole header when opened and memory-map the data, so opening costs O(header) and
/// `float32(_:)` materialises only the tensor asked for.
public protocol WeightSource: AnyObject, Sendable {
    /// The file (or index file) the source was opened from.
    var path: String { get }
    /// Human-readable format and version, e.g. `"GGUF v3"`, `"safetensors"`, `"llama2.c"`.
    var formatDescription: String { get }
    /// Every tensor, in file order.
    var tensors: [TensorInfo] { get }
    /// Checkpoint metadata (GGUF key/values, safetensors `__metadata__`, llama2.c header fields).
    var metadata: [String: MetadataValue] { get }
    /// Dequantizes or converts tensor `name` to a row-major `Float32` tensor.
    /// Throws `WeightFormatError.tensorNotFound` or `.unsupportedConversion`.
    func float32(_ name: String) throws -> Tensor
}

extension WeightSource {
    /// The info of tensor `name`, if present.
    public func info(_ name: String) -> TensorInfo? {
        tensors.first { $0.name == name }
    }

    /// The tensor whose role is `role`, if present.
    public func info(for role: TensorRole) -> TensorInfo? {
        tensors.first { $0.role == role }
    }

    /// Total number of elements over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
}
