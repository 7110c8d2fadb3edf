import TensorCore

/// Writes a GGUF v3 file atomically (temporary file, fsync, rename; see `AtomicFile`), streaming
/// one tensor at a time.
///
/// The tensor list (name, row-major shape, storage type) is fixed up front, which fixes every
/// offset, so the header is written at once; tensor data then follows in the same order through
/// `write(_:values:)` (encoded by `GGMLQuantize`) or `writeRaw(_:bytes:)` (already-encoded blocks,
/// any type). Only the tensor being written is held in memory. `finish()` commits; a writer
/// dropped before that leaves no file.
///
/// Shapes are row-major (`[rows, columns]`) and are written reversed, fastest-varying first, as
/// GGUF stores them. Each tensor's data and the data section start on `alignment` (default 32;
/// a `general.alignment` u32 in the metadata sets it, and a non-default `alignment` argument adds
/// that key). Metadata is written in the given order; arrays of any element type except arrays,
/// e.g. a tokenizer's strings copied from `GGUFFile.orderedMetadata`, pass through unchanged.
/// The writer accepts exactly what `GGUFFile` accepts (keys non-empty and unique, names unique and
/// under 64 bytes, at most 4 dimensions, rows of whole blocks).
public final class GGUFWriter {
    /// One tensor to be written.
    public struct TensorSpec: Sendable, Equatable {
        /// The tensor's name in the file (unique; GGUF names such as `blk.0.attn_q.weight`).
        public var name: String
        /// Row-major dimensions (slowest-varying first), at most 4.
        public var shape: [Int]
        /// The ggml storage type of the data (its row length must be a whole number of the type's blocks).
        public var type: GGMLType

        /// A spec as given; the writer's `init` validates it (name, dimensions, block alignment).
        public init(name: String, shape: [Int], type: GGMLType) {
            self.name = name
            self.shape = shape
            self.type = type
        }

        /// The spec of a tensor read from a GGUF file (same name, shape and type), for copying.
        public init(_ info: GGUFTensorInfo) {
            self.init(name: info.name, shape: info.shape, type: info.type)
        }

        /// Number of elements (0 when the product overflows, which `GGUFWriter.init` refuses).
        public var elementCount: Int { Tensor.elementCount(shape) ?? 0 }
    }

    /// The destination path (written through a temporary file, renamed on `finish()`).
    public let path: String
    /// Alignment in bytes of the tensor data section and of each tensor's offset (`general.alignment`, default 32).
    public let alignment: Int
    /// The tensors in file order; `write` must be called for each, in this order.
    public let specs: [TensorSpec]
    /// Bytes of each tensor's data (unpadded), in `specs` order.
    public let byteCounts: [Int]
    private let file: AtomicFile
    private var next = 0

    /// Validates the metadata and tensor list and writes the header.
    public init(path: String, metadata: [(key: String, value: MetadataValue)], tensors: [TensorSpec],
                alignment: Int? = nil) throws {
        self.path = path
        self.specs = tensors
        func fail(_ reason: String) -> WeightFormatError { .writeFailed(file: path, reason: reason) }

        // Metadata checks, as the reader will apply them.
        var seen = Set<String>()
        var meta = metadata
        for (k, v) in metadata {
            guard !k.isEmpty else { throw fail("empty metadata key") }
            guard seen.insert(k).inserted else { throw WeightFormatError.duplicate(file: path, field: "metadata key", name: k) }
            if case let .array(et, values) = v {
                guard let t = GGUFValueType(rawValue: et), t != .array else {
                    throw fail("metadata '\(k)': array element type \(et) is not a scalar GGUF type")
                }
                for e in values where GGUFValueType(scalar: e) != t {
                    throw fail("metadata '\(k)': array element \(e) is not of type \(t.name)")
                }
            }
        }
        var align = alignment ?? GGUFFile.defaultAlignment
        if let a = metadata.first(where: { $0.key == "general.alignment" })?.value {
            guard case let .uint32(av) = a else { throw fail("general.alignment must be of type u32") }
            if let alignment, alignment != Int(av) { throw fail("alignment \(alignment) differs from general.alignment \(av)") }
            align = Int(av)
        } else if align != GGUFFile.defaultAlignment, let a32 = UInt32(exactly: align) {
            meta.append((key: "general.alignment", value: .uint32(a32)))
        }
        guard align > 0, align & (align - 1) == 0, align <= 1 << 31 else { throw fail("alignment \(align) is not a power of two below 2^32") }
        self.alignment = align

        // Tensor checks and offsets.
        var names = Set<String>()
        var sizes: [Int] = []
        var offsets: [Int] = []
        var offset = 0
        for t in tensors {
            guard t.name.utf8.count < GGUFFile.maxNameLength else {
                throw fail("tensor name '\(t.name)' must be shorter than \(GGUFFile.maxNameLength) bytes")
            }
            guard names.insert(t.name).inserted else { throw WeightFormatError.duplicate(file: path, field: "tensor name", name: t.name) }
            guard t.shape.count <= GGUFFile.maxDimensions, t.shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(t.name)': shape \(t.shape) needs at most \(GGUFFile.maxDimensions) non-negative dimensions")
            }
            guard let n = Tensor.elementCount(t.shape), (t.shape.last ?? 1) % t.type.blockSize == 0,
                  let size = t.type.byteCount(elements: n) else {
                throw fail("tensor '\(t.name)': rows of \(t.shape.last ?? 1) values are not a whole number of \(t.type.name) blocks")
            }
            sizes.append(size)
            offsets.append(offset)
            let (padded, o1) = size.addingReportingOverflow(Self.padding(size, align))
            let (end, o2) = offset.addingReportingOverflow(padded)
            guard !o1, !o2 else { throw fail("tensor data would exceed \(Int.max) bytes") }
            offset = end
        }
        byteCounts = sizes

        do {
            file = try AtomicFile(path: path)
            try file.write(Array("GGUF".utf8))
            try file.writeLE(UInt32(3))
            try file.writeLE(UInt64(tensors.count))
            try file.writeLE(UInt64(meta.count))
            for (k, v) in meta {
                try Self.writeString(file, k)
                try Self.writeValue(file, v)
            }
            for (t, off) in zip(tensors, offsets) {
                try Self.writeString(file, t.name)
                try file.writeLE(UInt32(t.shape.count))
                for d in t.shape.reversed() { try file.writeLE(Int64(d)) }
                try file.writeLE(t.type.rawValue)
                try file.writeLE(UInt64(off))
            }
            // The data section starts aligned; with no tensors there is none (as llama.cpp reads it).
            if !tensors.isEmpty { try file.write([UInt8](repeating: 0, count: Self.padding(file.bytesWritten, align))) }
        } catch let e as TensorCoreError {
            throw fail(e.description)
        }
    }

    static func padding(_ n: Int, _ align: Int) -> Int { (align - n % align) % align }

    /// Encodes `values` (row-major, `spec.elementCount` of them) as the next tensor's type.
    public func write(_ name: String, values: UnsafeBufferPointer<Float>) throws {
        let spec = try expect(name)
        guard values.count == spec.elementCount else {
            throw WeightFormatError.shapeMismatch(file: path, tensor: name, expected: spec.shape, found: [values.count])
        }
        let bytes = try GGMLQuantize.quantize(values, to: spec.type, file: path, tensor: name)
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Encodes `values` as the next tensor.
    public func write(_ name: String, values: [Float]) throws {
        try values.withUnsafeBufferPointer { try write(name, values: $0) }
    }

    /// Writes `tensor` (whose shape must equal the spec's) as the next tensor.
    public func write(_ name: String, tensor: Tensor) throws {
        let spec = try expect(name)
        guard tensor.shape == spec.shape else {
            throw WeightFormatError.shapeMismatch(file: path, tensor: name, expected: spec.shape, found: tensor.shape)
        }
        try write(name, values: tensor.storage)
    }

    /// Writes already-encoded data of the next tensor (exactly its byte count, any ggml type).
    public func writeRaw(_ name: String, bytes: UnsafeRawBufferPointer) throws {
        let spec = try expect(name)
        guard bytes.count == byteCounts[next] else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' of \(spec.type.name) \(spec.shape) needs \(byteCounts[next]) bytes, got \(bytes.count)")
        }
        try append(bytes)
    }

    /// Commits the file. Throws when some tensor was not written.
    public func finish() throws {
        guard next == specs.count else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(specs[next].name)' and \(specs.count - next - 1) more were not written")
        }
        do { try file.commit() } catch let e as TensorCoreError { throw WeightFormatError.writeFailed(file: path, reason: e.description) }
    }

    private func expect(_ name: String) throws -> TensorSpec {
        guard next < specs.count else { throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' was not declared or is written twice") }
        guard specs[next].name == name else {
            throw WeightFormatError.writeFailed(file: path, reason: "expected tensor '\(specs[next].name)' next, got '\(name)'")
        }
        return specs[next]
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try file.write(bytes)
            try file.write([UInt8](repeating: 0, count: Self.padding(bytes.count, alignment)))
        } catch let e as TensorCoreError {
            throw WeightFormatError.writeFailed(file: path, reason: e.description)
        }
        next += 1
    }

    // MARK: - Encoding metadata

    static func writeString(_ f: AtomicFile, _ s: String) throws {
        let u = Array(s.utf8)
        try f.writeLE(UInt64(u.count))
        try f.write(u)
    }

    static func writeValue(_ f: AtomicFile, _ v: MetadataValue) throws {
        if case let .array(et, values) = v {
            try f.writeLE(GGUFValueType.array.rawValue)
            try f.writeLE(et)
            try f.writeLE(UInt64(values.count))
            for e in values { try writeScalar(f, e) }
            return
        }
        try f.writeLE((GGUFValueType(scalar: v) ?? .uint8).rawValue)
        try writeScalar(f, v)
    }

    static func writeScalar(_ f: AtomicFile, _ v: MetadataValue) throws {
        switch v {
        case let .uint8(x): try f.writeLE(x)
        case let .int8(x): try f.writeLE(x)
        case let .uint16(x): try f.writeLE(x)
        case let .int16(x): try f.writeLE(x)
        case let .uint32(x): try f.writeLE(x)
        case let .int32(x): try f.writeLE(x)
        case let .float32(x): try f.writeLE(x.bitPattern)
        case let .bool(x): try f.writeLE(UInt8(x ? 1 : 0))
        case let .string(s): try writeString(f, s)
        case let .uint64(x): try f.writeLE(x)
        case let .int64(x): try f.writeLE(x)
        case let .float64(x): try f.writeLE(x.bitPattern)
        case .array: break  // refused in init
        }
    }
}
