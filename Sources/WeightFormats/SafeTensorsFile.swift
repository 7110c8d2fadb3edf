#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorCore

/// A safetensors checkpoint, memory-mapped and validated.
///
/// Opening maps the file and validates the whole header against every rule of the reference
/// implementation (see `SafeTensorsHeader`): it costs O(header) time and memory whatever the size
/// of the data, which is only touched when a tensor is read. `float32(_:)` materialises one tensor:
/// F32 is copied, F64 is rounded to nearest even, F16/BF16/F8_E4M3/F8_E5M2 are decoded exactly
/// (every value of those formats is a Float32). Integer and BOOL tensors are listed but refused by
/// `float32(_:)` with `WeightFormatError.unsupportedConversion`; read their bytes with
/// `withRawBytes(_:_:)`.
public final class SafeTensorsFile: WeightSource, @unchecked Sendable {
    /// The largest JSON header accepted (100,000,000 bytes, as the reference).
    public static let maxHeaderLength = SafeTensorsHeader.maxLength

    /// The file opened, as given.
    public let path: String
    /// Always `"safetensors"` (the format has no version field).
    public var formatDescription: String { "safetensors" }
    /// Every tensor, in data-offset order (the order of the bytes in the file).
    public let tensors: [TensorInfo]
    /// `__metadata__`, every value a `.string`.
    public let metadata: [String: MetadataValue]
    /// Length of the JSON header in bytes (`N`); the data buffer starts at `8 + N`.
    public let headerLength: Int

    private let storage: SafeTensorsStorage
    private let entries: [SafeTensorsHeader.Entry]
    private let index: [String: Int]

    /// Maps and validates the file at `path`.
    /// Throws `WeightFormatError` naming the file, the field and the offset of the first problem.
    public convenience init(path: String) throws {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch let e as TensorCoreError {
            throw WeightFormatError.io(file: path, reason: e.description)
        }
        try self.init(storage: SafeTensorsStorage(mapped: mapped), path: path)
    }

    /// Validates an in-memory copy of a whole file (for tests and fuzzing); `name` is used in errors.
    convenience init(bytes: [UInt8], name: String) throws {
        try self.init(storage: SafeTensorsStorage(copying: bytes), path: name)
    }

    private init(storage: SafeTensorsStorage, path: String) throws {
        let header = try SafeTensorsHeader(bytes: storage.bytes, file: path)
        self.path = path
        self.storage = storage
        self.headerLength = header.length
        self.entries = header.entries
        var index: [String: Int] = [:]
        index.reserveCapacity(header.entries.count)
        var infos: [TensorInfo] = []
        infos.reserveCapacity(header.entries.count)
        for (i, e) in header.entries.enumerated() {
            index[e.name] = i
            infos.append(TensorInfo(name: e.name, shape: e.shape, storage: .dense(e.dtype), byteCount: e.span.count))
        }
        self.index = index
        self.tensors = infos
        var meta: [String: MetadataValue] = [:]
        for (k, v) in header.metadata { meta[k] = .string(v) }
        self.metadata = meta
    }

    /// The element type of tensor `name`.
    public func dtype(_ name: String) throws -> DType {
        try entry(name).dtype
    }

    /// Absolute byte range of tensor `name` in the file.
    public func byteRange(_ name: String) throws -> Range<Int> {
        try entry(name).span
    }

    /// Calls `body` with the raw little-endian bytes of tensor `name`, straight from the mapping
    /// (valid only inside `body`).
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let e = try entry(name)
        return try body(UnsafeRawBufferPointer(rebasing: storage.bytes[e.span]))
    }

    /// Tensor `name` as Float32 in its row-major shape: F32 copied, F64 rounded to nearest even,
    /// F16/BF16/F8_E4M3/F8_E5M2 decoded exactly; the mapped pages are released afterwards. Throws
    /// `.tensorNotFound`, or `.unsupportedConversion` for integer and BOOL tensors.
    public func float32(_ name: String) throws -> Tensor {
        let e = try entry(name)
        guard e.dtype.isFloatingPoint else {
            throw WeightFormatError.unsupportedConversion(file: path, tensor: name, type: e.dtype.rawValue)
        }
        let count = e.span.count / e.dtype.byteSize
        let raw = UnsafeRawBufferPointer(rebasing: storage.bytes[e.span])
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            SafeTensorsConversion.decode(raw, dtype: e.dtype, into: buffer)
            initialized = count
        }
        storage.releasePages(e.span)  // converted: the mapped pages need not stay resident
        guard let t = Tensor(shape: e.shape, storage: values) else {
            // Unreachable: the header check made span = count × size.
            throw WeightFormatError.shapeMismatch(file: path, tensor: name, expected: e.shape, found: [values.count])
        }
        return t
    }

    private func entry(_ name: String) throws -> SafeTensorsHeader.Entry {
        guard let i = index[name] else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        return entries[i]
    }
}
