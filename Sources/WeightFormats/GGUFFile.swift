import TensorCore

/// A memory-mapped GGUF file (versions 2 and 3), validated when opened.
///
/// Layout (little-endian): magic `GGUF`, u32 version, u64 tensor count, u64 metadata count,
/// metadata key/value pairs, tensor infos (name, u32 n_dims, n_dims × i64 `ne`, u32 ggml type,
/// u64 offset), padding to `alignment`, then the data section. Version 1 (32-bit counts) is
/// refused, as llama.cpp refuses it.
///
/// Opening reads and validates the header only: O(header) time and memory; tensor data stays in
/// the mapping until `float32(_:)` or `withTensorBytes(_:_:)` touches it. The checks are those of
/// llama.cpp's hardened reader (`ggml/src/gguf.cpp`): magic; version 2 or 3; counts, string and
/// array lengths within the bytes left in the file (and at most 1 GiB each); non-empty, unique
/// keys; no nested arrays; `general.alignment` a u32 power of two; unique tensor names shorter
/// than 64 bytes; at most 4 dimensions, none negative; element and byte counts without overflow;
/// known ggml types; `ne[0]` a multiple of the block size; data offsets aligned, inside the file
/// and not overlapping. Every failure is a `WeightFormatError` naming file, field and offset
/// (`.duplicate` names the file, the field and the repeated name).
///
/// Stricter than llama.cpp, to keep every later computation safe: keys and tensor names must be
/// valid UTF-8 (other string values decode with U+FFFD replacements); the product of a tensor's
/// non-zero dimensions must fit in Int64 even when another dimension is 0; metadata arrays hold
/// at most `maxMetadataElements` elements in all.
///
/// Shapes: GGUF stores `ne[0]` (fastest-varying) first. `tensors[i].shape` and
/// `ggufTensors[i].shape` are row-major (reversed); `ggufTensors[i].dimensions` keeps file order.
public final class GGUFFile: WeightSource {
    /// Longest string (and largest array) accepted: 1 GiB, as `GGUF_MAX_STRING_LENGTH`.
    public static let maxStringLength: UInt64 = 1 << 30
    /// Largest array element count accepted: 1 Gi elements, as `GGUF_MAX_ARRAY_ELEMENTS`.
    public static let maxArrayElements: UInt64 = 1 << 30
    /// Most metadata array elements over the whole file: 16 Mi. Each element becomes a
    /// `MetadataValue` (tens of bytes), so this bounds the memory a header can demand; real
    /// checkpoints hold about 1 Mi (a 262,144-token vocabulary with scores, types and merges).
    /// Stricter than llama.cpp, which stores numeric arrays packed.
    public static let maxMetadataElements: UInt64 = 1 << 24
    /// Most dimensions per tensor (`GGML_MAX_DIMS`).
    public static let maxDimensions = 4
    /// Longest tensor name in bytes, exclusive (`GGML_MAX_NAME`).
    public static let maxNameLength = 64
    /// Alignment of the data section and of tensor offsets when `general.alignment` is absent.
    public static let defaultAlignment = 32

    /// The file opened, as given.
    public let path: String
    /// The GGUF version (2 or 3).
    public let version: Int
    /// Data alignment in bytes (`general.alignment`, default 32).
    public let alignment: Int
    /// Absolute offset of the data section (the end of the header padded to `alignment`).
    public let dataOffset: Int
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Every metadata key/value (keys unique and non-empty), typed as stored; `metadataKeys` and
    /// `orderedMetadata` keep the file order.
    public let metadata: [String: MetadataValue]
    /// Tensor infos in file order with their ggml type and offsets.
    public let ggufTensors: [GGUFTensorInfo]
    /// `ggufTensors` as `TensorInfo`, in file order: row-major (reversed) shape, storage `.ggml(type)` for every
    /// tensor (F32 and F16 included), `byteCount` the data bytes.
    public let tensors: [TensorInfo]
    /// Size of the file in bytes.
    public var fileSize: Int { file.count }

    private let file: MappedFile
    private let index: [String: Int]

    /// `"GGUF v2"` or `"GGUF v3"`.
    public var formatDescription: String { "GGUF v\(version)" }

    /// Metadata as (key, value) pairs in file order, ready to copy into a `GGUFWriter`.
    public var orderedMetadata: [(key: String, value: MetadataValue)] {
        metadataKeys.compactMap { k in metadata[k].map { (k, $0) } }
    }

    /// Opens and validates `path`.
    public init(path: String) throws {
        self.path = path
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch let e as TensorCoreError {
            if case let .cannotOpen(_, reason) = e { throw WeightFormatError.io(file: path, reason: reason) }
            throw WeightFormatError.io(file: path, reason: e.description)
        }
        self.file = file
        var c = _GGUFCursor(file: file, name: path, offset: 0)

        // Magic and version.
        guard let magic = file.slice(offset: 0, length: 4) else {
            throw WeightFormatError.truncated(file: path, field: "magic", offset: 0, needed: 4)
        }
        if !magic.elementsEqual("GGUF".utf8) {
            let shown = magic.map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : "?" }.joined()
            throw WeightFormatError.badMagic(file: path, found: "'\(shown)'")
        }
        c.offset = 4
        let v = try c.read(UInt32.self, "version")
        guard v == 2 || v == 3 else { throw WeightFormatError.unsupportedVersion(file: path, version: Int(v)) }
        version = Int(v)

        // Counts: a metadata pair needs at least 13 bytes, a tensor info at least 24, so a count
        // larger than the bytes left allow is refused before anything is allocated.
        let tensorCountOffset = c.offset
        let nTensors = try c.read(Int64.self, "tensor count")
        let kvCountOffset = c.offset
        let nKV = try c.read(Int64.self, "metadata count")
        guard nTensors >= 0 else {
            throw WeightFormatError.invalid(file: path, field: "tensor count", offset: tensorCountOffset, reason: "negative (\(nTensors))")
        }
        guard nKV >= 0 else {
            throw WeightFormatError.invalid(file: path, field: "metadata count", offset: kvCountOffset, reason: "negative (\(nKV))")
        }
        if nKV > Int64(c.remaining / 13) {
            throw WeightFormatError.limitExceeded(file: path, field: "metadata count", offset: kvCountOffset,
                                                  value: UInt64(nKV), limit: UInt64(c.remaining / 13))
        }
        if nTensors > Int64(c.remaining / 24) {
            throw WeightFormatError.limitExceeded(file: path, field: "tensor count", offset: tensorCountOffset,
                                                  value: UInt64(nTensors), limit: UInt64(c.remaining / 24))
        }

        // Metadata.
        var keys: [String] = []
        var meta: [String: MetadataValue] = [:]
        var alignmentValueOffset = 0
        var elementBudget = Self.maxMetadataElements
        for i in 0..<Int(nKV) {
            let keyOffset = c.offset
            let key = try c.readString("metadata key \(i)", strict: true)
            if key.isEmpty {
                throw WeightFormatError.invalid(file: path, field: "metadata key \(i)", offset: keyOffset, reason: "empty key")
            }
            if meta[key] != nil { throw WeightFormatError.duplicate(file: path, field: "metadata key", name: key) }
            if key == "general.alignment" { alignmentValueOffset = c.offset + 4 }  // after the type id
            let value = try Self.readValue(&c, key: key, elementBudget: &elementBudget)
            keys.append(key)
            meta[key] = value
        }
        metadataKeys = keys
        metadata = meta

        // Alignment.
        var align = Self.defaultAlignment
        if let a = meta["general.alignment"] {
            guard case let .uint32(av) = a else {
                throw WeightFormatError.invalid(file: path, field: "general.alignment", offset: alignmentValueOffset,
                                                reason: "must be of type u32")
            }
            guard av != 0, av & (av - 1) == 0 else {
                throw WeightFormatError.invalid(file: path, field: "general.alignment", offset: alignmentValueOffset,
                                                reason: "\(av) is not a power of two")
            }
            align = Int(av)
        }
        alignment = align

        // Tensor infos.
        var infos: [GGUFTensorInfo] = []
        var infoOffsets: [Int] = []  // where each tensor's offset field sits, for error messages
        var idx: [String: Int] = [:]
        for i in 0..<Int(nTensors) {
            let nameOffset = c.offset
            let name = try c.readString("tensor name \(i)", limit: Self.maxNameBytesRead, strict: true)
            if name.utf8.count >= Self.maxNameLength {
                throw WeightFormatError.limitExceeded(file: path, field: "tensor name \(i)", offset: nameOffset,
                                                      value: UInt64(name.utf8.count), limit: UInt64(Self.maxNameLength - 1))
            }
            if idx[name] != nil { throw WeightFormatError.duplicate(file: path, field: "tensor name", name: name) }
            let dimsOffset = c.offset
            let nDims = try c.read(UInt32.self, "tensor '\(name)' n_dims")
            if nDims > UInt32(Self.maxDimensions) {
                throw WeightFormatError.limitExceeded(file: path, field: "tensor '\(name)' n_dims", offset: dimsOffset,
                                                      value: UInt64(nDims), limit: UInt64(Self.maxDimensions))
            }
            var dims: [Int] = []
            for j in 0..<Int(nDims) {
                let o = c.offset
                let ne = try c.read(Int64.self, "tensor '\(name)' ne[\(j)]")
                if ne < 0 {
                    throw WeightFormatError.invalid(file: path, field: "tensor '\(name)' ne[\(j)]", offset: o,
                                                    reason: "negative dimension \(ne)")
                }
                dims.append(Int(ne))
            }
            // The product of the non-zero dimensions must fit, so that the element count is
            // representable in any order of multiplication (llama.cpp skips this check when a
            // dimension is 0; a zero-element tensor with huge other dimensions is refused here).
            var nonZeroProduct = 1
            for d in dims where d != 0 {
                let (p, o) = nonZeroProduct.multipliedReportingOverflow(by: d)
                if o || p == Int.max {
                    throw WeightFormatError.invalid(file: path, field: "tensor '\(name)' shape", offset: dimsOffset,
                                                    reason: "element count of \(dims) overflows Int64")
                }
                nonZeroProduct = p
            }
            let elements = dims.contains(0) ? 0 : nonZeroProduct
            let typeOffset = c.offset
            let rawType = try c.read(UInt32.self, "tensor '\(name)' type")
            guard let type = GGMLType(rawValue: rawType) else {
                throw WeightFormatError.unknownType(file: path, field: "tensor '\(name)' type", offset: typeOffset, typeID: Int(rawType))
            }
            let ne0 = dims.first ?? 1
            if ne0 % type.blockSize != 0 {
                throw WeightFormatError.invalid(file: path, field: "tensor '\(name)' ne[0]", offset: dimsOffset + 4,
                                                reason: "\(ne0) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            guard let bytes = type.byteCount(elements: elements) else {
                throw WeightFormatError.invalid(file: path, field: "tensor '\(name)' shape", offset: dimsOffset,
                                                reason: "byte size of \(dims) × \(type.name) overflows")
            }
            let offOffset = c.offset
            let rel = try c.read(UInt64.self, "tensor '\(name)' offset")
            guard rel <= UInt64(Int.max) else {
                throw WeightFormatError.limitExceeded(file: path, field: "tensor '\(name)' offset", offset: offOffset,
                                                      value: rel, limit: UInt64(file.count))
            }
            idx[name] = infos.count
            infos.append(GGUFTensorInfo(name: name, type: type, dimensions: dims, relativeOffset: Int(rel),
                                        fileOffset: 0, byteCount: bytes))
            infoOffsets.append(offOffset)
        }

        // Data section: starts at the end of the header rounded up to the alignment.
        let (padded, o) = c.offset.addingReportingOverflow((align - c.offset % align) % align)
        if !infos.isEmpty && (o || padded > file.count) {
            throw WeightFormatError.truncated(file: path, field: "data section", offset: c.offset, needed: padded &- c.offset)
        }
        dataOffset = o ? c.offset : padded
        let dataSize = file.count - min(dataOffset, file.count)
        for k in infos.indices {
            let t = infos[k]
            if t.relativeOffset % align != 0 {
                throw WeightFormatError.invalid(file: path, field: "tensor '\(t.name)' offset", offset: infoOffsets[k],
                                                reason: "\(t.relativeOffset) is not a multiple of the alignment \(align)")
            }
            let (end, ov) = t.relativeOffset.addingReportingOverflow(t.byteCount)
            if ov || end > dataSize {
                throw WeightFormatError.limitExceeded(file: path, field: "tensor '\(t.name)' offset", offset: infoOffsets[k],
                                                      value: ov ? UInt64.max : UInt64(end), limit: UInt64(dataSize))
            }
            infos[k].fileOffset = dataOffset + t.relativeOffset
        }
        // No two tensors may share bytes.
        let order = infos.indices.sorted { (infos[$0].relativeOffset, $0) < (infos[$1].relativeOffset, $1) }
        var previousEnd = 0
        var previous: Int? = nil
        for k in order {
            let t = infos[k]
            if let p = previous, t.relativeOffset < previousEnd, t.byteCount > 0 {
                throw WeightFormatError.invalid(file: path, field: "tensor '\(t.name)' offset", offset: infoOffsets[k],
                                                reason: "data overlaps tensor '\(infos[p].name)'")
            }
            if t.byteCount > 0 {
                previousEnd = max(previousEnd, t.relativeOffset + t.byteCount)
                previous = k
            }
        }
        ggufTensors = infos
        tensors = infos.map(\.tensorInfo)
        index = idx
    }

    /// Tensor names are capped well below the 1 GiB string cap; anything past 64 KiB is refused
    /// as a length before it is read (the 64-byte name rule is checked after).
    private static let maxNameBytesRead: UInt64 = 1 << 16

    /// The GGUF info of tensor `name`.
    public func ggufInfo(_ name: String) -> GGUFTensorInfo? {
        index[name].map { ggufTensors[$0] }
    }

    /// Calls `body` with the raw stored bytes of tensor `name` (valid only inside `body`).
    public func withTensorBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let t = ggufInfo(name) else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        guard let bytes = file.slice(offset: t.fileOffset, length: t.byteCount) else {
            throw WeightFormatError.truncated(file: path, field: "tensor '\(name)' data", offset: t.fileOffset, needed: t.byteCount)
        }
        return try body(bytes)
    }

    /// Dequantizes tensor `name` to Float32 in row-major `shape` (see `GGMLDequantize` for the
    /// supported types and the formulas). Throws `.unsupportedConversion` for other types.
    public func float32(_ name: String) throws -> Tensor {
        guard let t = ggufInfo(name) else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        let values = try withTensorBytes(name) { bytes in
            try GGMLDequantize.dequantize(t.type, blocks: bytes, count: t.elementCount, file: path, tensor: name)
        }
        // Converted: the quantized pages need not stay resident (streaming readers touch each once).
        file.releasePages(offset: t.fileOffset, length: t.byteCount)
        guard let tensor = Tensor(shape: t.shape, storage: values) else {
            throw WeightFormatError.shapeMismatch(file: path, tensor: name, expected: t.shape, found: [values.count])
        }
        return tensor
    }

    /// Dequantizes rows `rows` of tensor `name` (a row is the fastest-varying dimension; rows count
    /// along the others, so `shape[0]` rows for a matrix) to Float32, releasing the rows' mapped
    /// pages afterwards: lets a streaming reader convert a large tensor (a token embedding) a slice
    /// at a time. Throws `.invalid` for a row range outside the tensor or rows that are not whole
    /// quantization blocks, and what `float32(_:)` throws.
    public func float32(_ name: String, rows: Range<Int>) throws -> [Float] {
        guard let t = ggufInfo(name) else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        let rowLength = t.dimensions.first ?? 1
        let rowCount = rowLength > 0 ? t.elementCount / rowLength : 0
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount, rowLength % t.type.blockSize == 0 else {
            throw WeightFormatError.invalid(file: path, field: "tensor '\(name)' rows", offset: t.fileOffset,
                                            reason: "rows \(rows) of \(rowCount) (row length \(rowLength), block size \(t.type.blockSize))")
        }
        let rowBytes = rowLength / t.type.blockSize * t.type.typeSize
        let offset = t.fileOffset + rows.lowerBound * rowBytes, length = rows.count * rowBytes
        guard let bytes = file.slice(offset: offset, length: length) else {
            throw WeightFormatError.truncated(file: path, field: "tensor '\(name)' data", offset: offset, needed: length)
        }
        let values = try GGMLDequantize.dequantize(t.type, blocks: bytes, count: rows.count * rowLength, file: path, tensor: name)
        file.releasePages(offset: offset, length: length)
        return values
    }

    // MARK: - Metadata values

    private static func readValue(_ c: inout _GGUFCursor, key: String, elementBudget: inout UInt64) throws -> MetadataValue {
        let typeOffset = c.offset
        let rawType = try c.read(UInt32.self, "metadata '\(key)' type")
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw WeightFormatError.unknownType(file: c.name, field: "metadata '\(key)' type", offset: typeOffset, typeID: Int(rawType))
        }
        if type != .array { return try readScalar(&c, type, key: key) }

        let elemOffset = c.offset
        let rawElem = try c.read(UInt32.self, "metadata '\(key)' array type")
        guard let elem = GGUFValueType(rawValue: rawElem) else {
            throw WeightFormatError.unknownType(file: c.name, field: "metadata '\(key)' array type", offset: elemOffset, typeID: Int(rawElem))
        }
        if elem == .array {
            throw WeightFormatError.invalid(file: c.name, field: "metadata '\(key)' array type", offset: elemOffset,
                                            reason: "nested arrays are not allowed")
        }
        let countOffset = c.offset
        let n = try c.read(UInt64.self, "metadata '\(key)' array count")
        if n > maxArrayElements {
            throw WeightFormatError.limitExceeded(file: c.name, field: "metadata '\(key)' array count", offset: countOffset,
                                                  value: n, limit: maxArrayElements)
        }
        if n > elementBudget {
            throw WeightFormatError.limitExceeded(file: c.name, field: "metadata '\(key)' array count", offset: countOffset,
                                                  value: n, limit: elementBudget)
        }
        elementBudget -= n
        // Each element needs at least its fixed size (8 bytes of length for a string).
        let minSize = UInt64(elem == .string ? 8 : elem.byteSize)
        let fits = UInt64(c.remaining) / minSize
        if n > fits {
            throw WeightFormatError.limitExceeded(file: c.name, field: "metadata '\(key)' array count", offset: countOffset,
                                                  value: n, limit: fits)
        }
        var values: [MetadataValue] = []
        for _ in 0..<Int(n) { values.append(try readScalar(&c, elem, key: key)) }
        return .array(elementType: elem.rawValue, values: values)
    }

    private static func readScalar(_ c: inout _GGUFCursor, _ type: GGUFValueType, key: String) throws -> MetadataValue {
        func f() -> String { "metadata '\(key)'" }
        switch type {
        case .uint8: return .uint8(try c.read(UInt8.self, f()))
        case .int8: return .int8(try c.read(Int8.self, f()))
        case .uint16: return .uint16(try c.read(UInt16.self, f()))
        case .int16: return .int16(try c.read(Int16.self, f()))
        case .uint32: return .uint32(try c.read(UInt32.self, f()))
        case .int32: return .int32(try c.read(Int32.self, f()))
        case .float32: return .float32(Float(bitPattern: try c.read(UInt32.self, f())))
        case .bool: return .bool(try c.read(UInt8.self, f()) != 0)
        case .string: return .string(try c.readString(f()))
        case .uint64: return .uint64(try c.read(UInt64.self, f()))
        case .int64: return .int64(try c.read(Int64.self, f()))
        case .float64: return .float64(Double(bitPattern: try c.read(UInt64.self, f())))
        case .array:
            throw WeightFormatError.invalid(file: c.name, field: f(), offset: c.offset, reason: "nested arrays are not allowed")
        }
    }
}
