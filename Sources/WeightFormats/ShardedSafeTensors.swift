import TensorCore

/// A checkpoint split over several safetensors files, opened through its
/// `model.safetensors.index.json` as one logical `WeightSource`.
///
/// The index is the Hugging Face one: `{"metadata": {...}, "weight_map": {tensor: shard file}}`.
/// Opening validates the index with the strict JSON parser (duplicate keys refused), opens and
/// validates every shard it names (see `SafeTensorsFile`), and checks that the index tells the
/// truth: every listed tensor is in the shard it names, no tensor is in two shards, and no shard
/// holds a tensor the index does not list. Shard names must be relative paths inside the index's
/// folder (no absolute path, no `..`). The index may be at most 100,000,000 bytes (the header
/// limit). Cost: O(index + headers); data is mapped, not read.
public final class ShardedSafeTensors: WeightSource, @unchecked Sendable {
    /// The index file.
    public let path: String
    /// `"safetensors (N shards)"`, N the number of shard files.
    public var formatDescription: String { "safetensors (\(shards.count) shards)" }
    /// Every tensor: shards in the order of their file names, tensors in file order in each.
    public let tensors: [TensorInfo]
    /// The index's `metadata` (`total_size` as `.int64`; strings, booleans and other numbers as
    /// such; nested values are skipped).
    public let metadata: [String: MetadataValue]
    /// The shards, sorted by file name.
    public let shards: [SafeTensorsFile]
    private let location: [String: Int]

    /// Opens the index at `indexPath` and every shard it names.
    public init(indexPath: String) throws {
        let mapped: MappedFile
        do { mapped = try MappedFile(path: indexPath) } catch let e as TensorCoreError {
            throw WeightFormatError.io(file: indexPath, reason: e.description)
        }
        guard mapped.count <= SafeTensorsHeader.maxLength else {
            throw WeightFormatError.limitExceeded(file: indexPath, field: "index size", offset: 0,
                                                  value: UInt64(mapped.count), limit: UInt64(SafeTensorsHeader.maxLength))
        }
        var p = StrictJSON(mapped.bytes, base: 0, file: indexPath, field: "index")
        let rootAt = p.offset()
        guard try p.peekKind() == .object else {
            throw WeightFormatError.invalid(file: indexPath, field: "index", offset: rootAt, reason: "expected a JSON object")
        }
        try p.beginObject(depth: 1)
        var seenKeys = Set<String>()
        var weightMapAt: Int?
        var meta: [String: MetadataValue] = [:]
        // tensor name → (shard, offset of the shard name), and the names in index order
        var mapped_: [String: (shard: String, offset: Int)] = [:]
        var listed: [String] = []
        var first = true
        while let (key, keyOffset) = try p.nextMember(&first) {
            guard seenKeys.insert(key).inserted else {
                throw WeightFormatError.duplicate(file: indexPath, field: "index key at offset \(keyOffset)", name: key)
            }
            switch key {
            case "weight_map":
                let at = p.offset()
                weightMapAt = at
                guard try p.peekKind() == .object else {
                    throw WeightFormatError.invalid(file: indexPath, field: "weight_map", offset: at,
                                                    reason: "expected an object of tensor name → shard file")
                }
                try p.beginObject(depth: 2)
                var firstEntry = true
                while let (name, nameOffset) = try p.nextMember(&firstEntry) {
                    let valueAt = p.offset()
                    let kind = try p.peekKind()
                    guard kind == .string else {
                        throw WeightFormatError.invalid(file: indexPath, field: "weight_map['\(name)']", offset: valueAt,
                                                        reason: "expected a shard file name, found \(kind.rawValue)")
                    }
                    let shard = try p.string()
                    let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
                    guard !shard.isEmpty, !shard.hasPrefix("/"), !parts.contains(".."), !parts.contains(""), !shard.utf8.contains(0) else {
                        throw WeightFormatError.invalid(file: indexPath, field: "weight_map['\(name)']", offset: valueAt,
                                                        reason: "shard '\(shard)' is not a relative path inside the index's folder")
                    }
                    guard mapped_[name] == nil else {
                        throw WeightFormatError.duplicate(file: indexPath, field: "weight_map key at offset \(nameOffset)", name: name)
                    }
                    mapped_[name] = (shard, valueAt)
                    listed.append(name)
                }
            case "metadata":
                meta = try ShardedSafeTensors.parseMetadata(&p, file: indexPath)
            default:
                try p.skipValue(depth: 1)
            }
        }
        try p.finish()
        guard let weightMapAt else {
            throw WeightFormatError.invalid(file: indexPath, field: "weight_map", offset: rootAt, reason: "missing")
        }
        let folder = indexPath.lastIndex(of: "/").map { String(indexPath[...$0]) } ?? ""
        let shardNames = Set(mapped_.values.map(\.shard)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var shards: [SafeTensorsFile] = []
        var location: [String: Int] = [:]
        var infos: [TensorInfo] = []
        for (i, name) in shardNames.enumerated() {
            let shard = try SafeTensorsFile(path: folder + name)
            for t in shard.tensors {
                if let other = location[t.name] {
                    throw WeightFormatError.duplicate(file: indexPath, field: "tensor in shards '\(shardNames[other])' and '\(name)'", name: t.name)
                }
                guard let listed = mapped_[t.name] else {
                    throw WeightFormatError.invalid(file: indexPath, field: "weight_map", offset: weightMapAt,
                                                    reason: "shard '\(name)' holds tensor '\(t.name)' that the index does not list")
                }
                guard listed.shard == name else {
                    throw WeightFormatError.invalid(file: indexPath, field: "weight_map['\(t.name)']", offset: listed.offset,
                                                    reason: "tensor is in shard '\(name)', not '\(listed.shard)'")
                }
                location[t.name] = i
                infos.append(t)
            }
            shards.append(shard)
        }
        for name in listed where location[name] == nil {
            let entry = mapped_[name]
            throw WeightFormatError.invalid(file: indexPath, field: "weight_map['\(name)']", offset: entry?.offset ?? weightMapAt,
                                            reason: "shard '\(entry?.shard ?? "")' has no tensor '\(name)'")
        }
        self.path = indexPath
        self.shards = shards
        self.location = location
        self.tensors = infos
        self.metadata = meta
    }

    /// The shard holding tensor `name`.
    public func shard(for name: String) throws -> SafeTensorsFile {
        guard let i = location[name] else { throw WeightFormatError.tensorNotFound(file: path, name: name) }
        return shards[i]
    }

    /// Tensor `name` as Float32, read from the shard the index names (see `SafeTensorsFile.float32(_:)`).
    /// Throws `.tensorNotFound` for a name in no shard, or the shard's conversion error.
    public func float32(_ name: String) throws -> Tensor {
        try shard(for: name).float32(name)
    }

    /// Calls `body` with the raw bytes of tensor `name` from its shard's mapping.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try shard(for: name).withRawBytes(name, body)
    }

    private static func parseMetadata(_ p: inout StrictJSON, file: String) throws -> [String: MetadataValue] {
        let at = p.offset()
        let kind = try p.peekKind()
        if kind == .null { try p.null(); return [:] }
        guard kind == .object else {
            throw WeightFormatError.invalid(file: file, field: "metadata", offset: at, reason: "expected an object")
        }
        try p.beginObject(depth: 2)
        var out: [String: MetadataValue] = [:]
        var first = true
        while let (key, keyOffset) = try p.nextMember(&first) {
            guard out[key] == nil else {
                throw WeightFormatError.duplicate(file: file, field: "metadata key at offset \(keyOffset)", name: key)
            }
            var copy = p
            switch try p.peekKind() {
            case .string: out[key] = .string(try p.string())
            case .boolean: out[key] = .bool(try p.boolean())
            case .number:
                if let i = try copy.integer() {
                    p = copy
                    out[key] = .int64(Int64(i))
                } else {
                    out[key] = .float64(try p.double())
                }
            default:
                try p.skipValue(depth: 2)
            }
        }
        return out
    }
}
