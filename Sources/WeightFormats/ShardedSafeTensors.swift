import TensorCore

/// A checkpoint split over several safetensors files, opened through its
/// `model.safetensors.index.json` as one logical `WeightSource`.
///
/// The index is the Hugging Face one: `{"metadata": {...}, "weight_map": {tensor: shard file}}`.
/// Opening validates the index with the strict JSON parser (duplicate keys refused), opens and
/// validates every shard it names (see `SafeTensorsFile`), and checks that the index tells the
/// truth: every listed tensor is in the shard it names, no tensor is in two shards, and no shard
/// holds a tensor the index does not list. Shard names must be relative paths inside the index's
/// folder (no absolute path, no `..`). Cost: O(index + headers); data is mapped, not read.
public final class ShardedSafeTensors: WeightSource, @unchecked Sendable {
    /// The index file.
    public let path: String
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
        let root = try StrictJSON.parse(mapped.bytes, base: 0, file: indexPath, field: "index")
        guard case let .object(members) = root.value else {
            throw WeightFormatError.invalid(file: indexPath, field: "index", offset: root.offset, reason: "expected a JSON object")
        }
        var seenKeys = Set<String>()
        var weightMapNode: StrictJSON.Node?
        var meta: [String: MetadataValue] = [:]
        for m in members {
            guard seenKeys.insert(m.key).inserted else {
                throw WeightFormatError.duplicate(file: indexPath, field: "index key at offset \(m.keyOffset)", name: m.key)
            }
            if m.key == "weight_map" { weightMapNode = m.node }
            if m.key == "metadata" { meta = try ShardedSafeTensors.parseMetadata(m.node, file: indexPath) }
        }
        guard let weightMapNode else {
            throw WeightFormatError.invalid(file: indexPath, field: "weight_map", offset: root.offset, reason: "missing")
        }
        guard case let .object(entries) = weightMapNode.value else {
            throw WeightFormatError.invalid(file: indexPath, field: "weight_map", offset: weightMapNode.offset,
                                            reason: "expected an object of tensor name → shard file")
        }
        let folder = indexPath.lastIndex(of: "/").map { String(indexPath[...$0]) } ?? ""
        var mapped_: [String: (shard: String, offset: Int)] = [:]
        for e in entries {
            guard case let .string(shard) = e.node.value else {
                throw WeightFormatError.invalid(file: indexPath, field: "weight_map['\(e.key)']", offset: e.node.offset,
                                                reason: "expected a shard file name, found \(e.node.value.kindName)")
            }
            let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard !shard.isEmpty, !shard.hasPrefix("/"), !parts.contains(".."), !parts.contains(""), !shard.utf8.contains(0) else {
                throw WeightFormatError.invalid(file: indexPath, field: "weight_map['\(e.key)']", offset: e.node.offset,
                                                reason: "shard '\(shard)' is not a relative path inside the index's folder")
            }
            guard mapped_[e.key] == nil else {
                throw WeightFormatError.duplicate(file: indexPath, field: "weight_map key at offset \(e.keyOffset)", name: e.key)
            }
            mapped_[e.key] = (shard, e.node.offset)
        }
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
                    throw WeightFormatError.invalid(file: indexPath, field: "weight_map", offset: weightMapNode.offset,
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
        for e in entries where location[e.key] == nil {
            let shard = mapped_[e.key]?.shard ?? ""
            throw WeightFormatError.invalid(file: indexPath, field: "weight_map['\(e.key)']", offset: e.node.offset,
                                            reason: "shard '\(shard)' has no tensor '\(e.key)'")
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

    public func float32(_ name: String) throws -> Tensor {
        try shard(for: name).float32(name)
    }

    /// Calls `body` with the raw bytes of tensor `name` from its shard's mapping.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try shard(for: name).withRawBytes(name, body)
    }

    private static func parseMetadata(_ node: StrictJSON.Node, file: String) throws -> [String: MetadataValue] {
        if case .null = node.value { return [:] }
        guard case let .object(members) = node.value else {
            throw WeightFormatError.invalid(file: file, field: "metadata", offset: node.offset, reason: "expected an object")
        }
        var out: [String: MetadataValue] = [:]
        for m in members {
            guard out[m.key] == nil else {
                throw WeightFormatError.duplicate(file: file, field: "metadata key at offset \(m.keyOffset)", name: m.key)
            }
            switch m.node.value {
            case let .string(s): out[m.key] = .string(s)
            case let .bool(b): out[m.key] = .bool(b)
            case let .number(text):
                if let i = m.node.value.integerValue { out[m.key] = .int64(Int64(i)) }
                else if let d = Double(text) { out[m.key] = .float64(d) }
            default: continue
            }
        }
        return out
    }
}
