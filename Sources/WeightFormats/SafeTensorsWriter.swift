import TensorCore

/// Writes one safetensors file, streaming: the header is computed up front from the tensors'
/// names, dtypes and shapes, then each tensor's bytes are supplied one at a time, so writing a big
/// checkpoint needs only one tensor in memory.
///
/// The layout is the reference writer's (huggingface/safetensors `tensor.rs`, `prepare`): tensors
/// sorted by dtype in descending order of the reference's `Dtype` enum (U64, I64, F64, F32, U32,
/// I32, BF16, F16, U16, I16, F8_E4M3, F8_E5M2, I8, U8, BOOL — widest alignment first), then by
/// name (byte-wise); data offsets contiguous from 0; compact JSON escaped as serde_json escapes it,
/// with `__metadata__` first (keys sorted here, where the reference's order is a hash map's);
/// the header padded with spaces to a multiple of 8 bytes so every tensor starts 8-aligned.
/// Without metadata, the bytes are identical to Python `safetensors.numpy.save_file`'s.
///
/// The file is written through `AtomicFile`: nothing appears at `path` until `finish()` succeeds,
/// and a writer dropped before that leaves no file behind.
public final class SafeTensorsWriter {
    /// What the header says about one tensor.
    public struct TensorDescriptor: Sendable, Equatable {
        /// The tensor's key in the header; unique within a file and not `__metadata__`.
        public var name: String
        /// The element type; the tensor's bytes are `elements × dtype.byteSize`, little-endian.
        public var dtype: DType
        /// Row-major dimensions.
        public var shape: [Int]

        /// Memberwise and unchecked; `SafeTensorsWriter.init(path:tensors:metadata:)` validates the set.
        public init(name: String, dtype: DType, shape: [Int]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }
    }

    /// The destination.
    public let path: String
    /// The tensors in the order their bytes must be supplied (the order of the file).
    public let order: [TensorDescriptor]
    /// Bytes of each tensor in `order`.
    public let byteCounts: [Int]
    /// The complete header: 8-byte length, then the padded JSON.
    let headerBytes: [UInt8]

    private let file: AtomicFile
    private var next = 0
    private var scratch: [UInt8] = []

    /// Validates the descriptors, computes the header and writes it to a temporary file beside
    /// `path`. Throws `.duplicate` for a repeated name, `.invalid` for `__metadata__` as a tensor
    /// name, a negative dimension or a size that overflows, `.limitExceeded` for a header over
    /// 100,000,000 bytes, and `.writeFailed` when the file cannot be created.
    public init(path: String, tensors: [TensorDescriptor], metadata: [String: String] = [:]) throws {
        let layout = try SafeTensorsWriter.layout(tensors, metadata: metadata, file: path)
        self.path = path
        self.order = layout.order
        self.byteCounts = layout.byteCounts
        self.headerBytes = layout.header
        do {
            file = try AtomicFile(path: path)
            try file.write(layout.header)
        } catch let e as TensorCoreError {
            throw WeightFormatError.writeFailed(file: path, reason: e.description)
        }
    }

    /// The tensor whose bytes are expected next, or `nil` when all have been written.
    public var nextTensor: TensorDescriptor? { next < order.count ? order[next] : nil }

    /// Writes the raw little-endian bytes of the next tensor, which must be `name`.
    public func write(_ name: String, rawBytes: UnsafeRawBufferPointer) throws {
        let i = try expectNext(name)
        guard rawBytes.count == byteCounts[i] else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' needs \(byteCounts[i]) bytes, got \(rawBytes.count)")
        }
        do { try file.write(rawBytes) } catch let e as TensorCoreError {
            throw WeightFormatError.writeFailed(file: path, reason: e.description)
        }
        next += 1
    }

    /// Writes the raw bytes of the next tensor, `name`, in consecutive pieces: `produce` gets a sink
    /// to call once per piece, in order (so a large tensor never needs to be in memory whole). The
    /// pieces must add up to the tensor's byte count, else `.writeFailed`.
    public func write(_ name: String, pieces produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let i = try expectNext(name)
        var written = 0
        try produce { piece in
            guard written + piece.count <= self.byteCounts[i] else {
                throw WeightFormatError.writeFailed(file: self.path, reason: "tensor '\(name)' needs \(self.byteCounts[i]) bytes, got more")
            }
            do { try self.file.write(piece) } catch let e as TensorCoreError {
                throw WeightFormatError.writeFailed(file: self.path, reason: e.description)
            }
            written += piece.count
        }
        guard written == byteCounts[i] else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' needs \(byteCounts[i]) bytes, got \(written)")
        }
        next += 1
    }

    /// Encodes `values` (row-major) as the next tensor's dtype and writes them. F32, F16 and BF16
    /// are supported (F16/BF16 round to nearest even); other dtypes throw `.unsupportedConversion`.
    public func write(_ name: String, values: UnsafeBufferPointer<Float>) throws {
        let i = try expectNext(name)
        let d = order[i]
        guard values.count * d.dtype.byteSize == byteCounts[i] else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' has \(byteCounts[i] / d.dtype.byteSize) elements, got \(values.count)")
        }
        scratch.removeAll(keepingCapacity: true)
        guard SafeTensorsConversion.encode(values, as: d.dtype, into: &scratch) else {
            throw WeightFormatError.unsupportedConversion(file: path, tensor: name, type: d.dtype.rawValue)
        }
        try scratch.withUnsafeBytes { try write(name, rawBytes: $0) }
        if scratch.capacity > 64 << 20 { scratch = [] }
    }

    /// Writes `tensor`, whose shape must be the descriptor's, encoded as the descriptor's dtype.
    public func write(_ name: String, tensor: Tensor) throws {
        let i = try expectNext(name)
        guard tensor.shape == order[i].shape else {
            throw WeightFormatError.shapeMismatch(file: path, tensor: name, expected: order[i].shape, found: tensor.shape)
        }
        try tensor.storage.withUnsafeBufferPointer { try write(name, values: $0) }
    }

    /// Checks every tensor was written, then flushes, fsyncs and renames the file into place.
    public func finish() throws {
        guard next == order.count else {
            throw WeightFormatError.writeFailed(file: path, reason: "\(order.count - next) tensors not written, next is '\(order[next].name)'")
        }
        do { try file.commit() } catch let e as TensorCoreError {
            throw WeightFormatError.writeFailed(file: path, reason: e.description)
        }
    }

    /// Writes whole tensors in one call, each encoded as `dtype` (F32, F16 or BF16).
    public static func write(path: String, tensors: [(name: String, tensor: Tensor)], dtype: DType,
                             metadata: [String: String] = [:]) throws {
        var byName: [String: Tensor] = [:]
        for t in tensors { byName[t.name] = t.tensor }
        let w = try SafeTensorsWriter(path: path, tensors: tensors.map { TensorDescriptor(name: $0.name, dtype: dtype, shape: $0.tensor.shape) },
                                      metadata: metadata)
        for d in w.order {
            guard let t = byName[d.name] else { throw WeightFormatError.tensorNotFound(file: path, name: d.name) }
            try w.write(d.name, tensor: t)
        }
        try w.finish()
    }

    private func expectNext(_ name: String) throws -> Int {
        guard next < order.count else {
            throw WeightFormatError.writeFailed(file: path, reason: "tensor '\(name)' written after the last one")
        }
        guard order[next].name == name else {
            throw WeightFormatError.writeFailed(file: path, reason: "expected tensor '\(order[next].name)' next, got '\(name)'")
        }
        return next
    }

    // MARK: Layout

    /// Rank of each dtype in the reference's `Dtype` enum (its declaration order).
    static func referenceRank(_ d: DType) -> Int {
        switch d {
        case .bool: return 0
        case .u8: return 1
        case .i8: return 2
        case .f8e5m2: return 3
        case .f8e4m3: return 4
        case .i16: return 5
        case .u16: return 6
        case .f16: return 7
        case .bf16: return 8
        case .i32: return 9
        case .u32: return 10
        case .f32: return 11
        case .f64: return 12
        case .i64: return 13
        case .u64: return 14
        }
    }

    /// The reference writer's order: dtype rank descending, then name byte-wise ascending.
    public static func writingOrder(_ tensors: [TensorDescriptor]) -> [TensorDescriptor] {
        tensors.sorted { a, b in
            let ra = referenceRank(a.dtype), rb = referenceRank(b.dtype)
            if ra != rb { return ra > rb }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// Bytes of `d`'s data, overflow-checked.
    static func byteCount(_ d: TensorDescriptor, file: String) throws -> Int {
        guard let n = Tensor.elementCount(d.shape) else {
            throw WeightFormatError.invalid(file: file, field: "tensors['\(d.name)'].shape", offset: 0,
                                            reason: "negative dimension or element count overflow in \(d.shape)")
        }
        let (b, o) = n.multipliedReportingOverflow(by: d.dtype.byteSize)
        guard !o else {
            throw WeightFormatError.invalid(file: file, field: "tensors['\(d.name)'].shape", offset: 0, reason: "byte size overflows")
        }
        return b
    }

    static func layout(_ tensors: [TensorDescriptor], metadata: [String: String], file: String) throws
        -> (order: [TensorDescriptor], byteCounts: [Int], header: [UInt8], dataLength: Int) {
        var seen = Set<String>()
        for t in tensors {
            guard t.name != "__metadata__" else {
                throw WeightFormatError.invalid(file: file, field: "tensor name", offset: 0, reason: "'__metadata__' is reserved")
            }
            guard seen.insert(t.name).inserted else {
                throw WeightFormatError.duplicate(file: file, field: "tensor name", name: t.name)
            }
        }
        let order = writingOrder(tensors)
        var json: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        if !metadata.isEmpty {
            json += Array("\"__metadata__\":{".utf8)
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, k) in keys.enumerated() {
                if i > 0 { json.append(UInt8(ascii: ",")) }
                appendJSONString(k, to: &json)
                json.append(UInt8(ascii: ":"))
                appendJSONString(metadata[k] ?? "", to: &json)
            }
            json.append(UInt8(ascii: "}"))
            first = false
        }
        var offset = 0
        var counts: [Int] = []
        counts.reserveCapacity(order.count)
        for d in order {
            let n = try byteCount(d, file: file)
            let (end, o) = offset.addingReportingOverflow(n)
            guard !o else {
                throw WeightFormatError.invalid(file: file, field: "tensors['\(d.name)'].data_offsets", offset: 0, reason: "total size overflows")
            }
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
            appendJSONString(d.name, to: &json)
            json += Array(":{\"dtype\":\"\(d.dtype.rawValue)\",\"shape\":[".utf8)
            json += Array(d.shape.map(String.init).joined(separator: ",").utf8)
            json += Array("],\"data_offsets\":[\(offset),\(end)]}".utf8)
            counts.append(n)
            offset = end
        }
        json.append(UInt8(ascii: "}"))
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        guard json.count <= SafeTensorsHeader.maxLength else {
            throw WeightFormatError.limitExceeded(file: file, field: "header length", offset: 0,
                                                  value: UInt64(json.count), limit: UInt64(SafeTensorsHeader.maxLength))
        }
        var header: [UInt8] = []
        header.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { header += $0 }
        header += json
        return (order, counts, header, offset)
    }

    /// Appends `s` as a JSON string the way serde_json writes it: `"` and `\` escaped, control
    /// characters as `\b \f \n \r \t` or `\u00xx` (lower-case hex), everything else verbatim UTF-8.
    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
