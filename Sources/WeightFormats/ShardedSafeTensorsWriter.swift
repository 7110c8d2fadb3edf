#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TensorCore

/// Writes a checkpoint as several safetensors shards plus a Hugging Face
/// `model.safetensors.index.json`, streaming one tensor at a time.
///
/// Shards are filled in the order the descriptors are given, as `huggingface_hub`'s
/// `split_state_dict_into_shards` does: a tensor goes into the current shard unless that would take
/// the shard's tensor bytes over `maxShardBytes`, in which case a new shard starts; a tensor larger
/// than `maxShardBytes` gets a shard of its own. Shards are named
/// `model-00001-of-0000N.safetensors`; inside each, tensors are laid out as `SafeTensorsWriter`
/// lays them out, and `order` lists the order in which their bytes must be supplied. The index
/// records `metadata.total_size` (the sum of tensor bytes) and `weight_map`.
///
/// Every file is written atomically; the index is written last. A writer dropped before `finish()`
/// removes the shards it had already completed, so a failure leaves no partial checkpoint.
public final class ShardedSafeTensorsWriter {
    /// The single-file writer's descriptor: name, dtype, row-major shape.
    public typealias TensorDescriptor = SafeTensorsWriter.TensorDescriptor

    /// The index file name.
    public static let indexName = "model.safetensors.index.json"

    /// The output folder.
    public let directory: String
    /// Shard file names, in order.
    public let shardNames: [String]
    /// Each shard's tensors, in the order their bytes must be supplied.
    public let shardTensors: [[TensorDescriptor]]
    /// All tensors in the order their bytes must be supplied (shard by shard).
    public var order: [TensorDescriptor] { shardTensors.flatMap { $0 } }
    /// Sum of the tensors' bytes (`metadata.total_size`).
    public let totalSize: Int

    private let metadata: [String: String]
    private var current: SafeTensorsWriter?
    private var shardIndex = 0
    private var completed: [String] = []
    private var finished = false

    /// Plans the shards. Throws like `SafeTensorsWriter.init` for bad descriptors, and `.invalid`
    /// when `maxShardBytes` is not positive.
    public init(directory: String, tensors: [TensorDescriptor], maxShardBytes: Int, metadata: [String: String] = [:]) throws {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let indexPath = dir + "/" + ShardedSafeTensorsWriter.indexName
        guard maxShardBytes > 0 else {
            throw WeightFormatError.invalid(file: indexPath, field: "maxShardBytes", offset: 0, reason: "must be positive")
        }
        var seen = Set<String>()
        var groups: [[TensorDescriptor]] = []
        var currentGroup: [TensorDescriptor] = []
        var currentBytes = 0
        var total = 0
        for t in tensors {
            guard seen.insert(t.name).inserted else {
                throw WeightFormatError.duplicate(file: indexPath, field: "tensor name", name: t.name)
            }
            let n = try SafeTensorsWriter.byteCount(t, file: indexPath)
            let (s, o) = total.addingReportingOverflow(n)
            guard !o else { throw WeightFormatError.invalid(file: indexPath, field: "total_size", offset: 0, reason: "overflows") }
            total = s
            if n > maxShardBytes {
                groups.append([t])
                continue
            }
            if !currentGroup.isEmpty && currentBytes + n > maxShardBytes {
                groups.append(currentGroup)
                currentGroup = []
                currentBytes = 0
            }
            currentGroup.append(t)
            currentBytes += n
        }
        if !currentGroup.isEmpty || groups.isEmpty { groups.append(currentGroup) }
        let count = groups.count
        func pad5(_ i: Int) -> String { let s = String(i); return String(repeating: "0", count: max(0, 5 - s.count)) + s }
        self.directory = dir
        self.shardNames = (1...count).map { "model-\(pad5($0))-of-\(pad5(count)).safetensors" }
        self.shardTensors = groups.map { SafeTensorsWriter.writingOrder($0) }
        self.totalSize = total
        self.metadata = metadata
        // Validate every shard's header (names, sizes, header limit) before writing anything.
        for (i, g) in groups.enumerated() {
            _ = try SafeTensorsWriter.layout(g, metadata: metadata, file: dir + "/" + shardNames[i])
        }
    }

    deinit {
        if !finished {
            for p in completed { unlink(p) }
        }
    }

    /// The tensor whose bytes are expected next, or `nil` when all have been written.
    public var nextTensor: TensorDescriptor? {
        if let c = current?.nextTensor { return c }
        var i = shardIndex + (current == nil ? 0 : 1)
        while i < shardTensors.count {
            if let f = shardTensors[i].first { return f }
            i += 1
        }
        return nil
    }

    /// Writes the raw little-endian bytes of the next tensor, which must be `name`.
    public func write(_ name: String, rawBytes: UnsafeRawBufferPointer) throws {
        try currentWriter(for: name).write(name, rawBytes: rawBytes)
        try closeIfComplete()
    }

    /// Encodes `values` as the next tensor's dtype (F32, F16 or BF16) and writes them.
    public func write(_ name: String, values: UnsafeBufferPointer<Float>) throws {
        try currentWriter(for: name).write(name, values: values)
        try closeIfComplete()
    }

    /// Writes `tensor` (shape checked) encoded as the descriptor's dtype.
    public func write(_ name: String, tensor: Tensor) throws {
        try currentWriter(for: name).write(name, tensor: tensor)
        try closeIfComplete()
    }

    /// Checks every tensor was written, then writes the index atomically. Returns its path.
    @discardableResult
    public func finish() throws -> String {
        let indexPath = directory + "/" + ShardedSafeTensorsWriter.indexName
        // Shards with no tensors (only possible for an empty checkpoint) are written here.
        while shardIndex < shardTensors.count {
            let w = try currentWriter(for: nil)
            guard w.nextTensor == nil else {
                throw WeightFormatError.writeFailed(file: indexPath, reason: "tensor '\(w.nextTensor?.name ?? "")' not written")
            }
            try closeIfComplete()
        }
        var json = "{\n  \"metadata\": {\n    \"total_size\": \(totalSize)\n  },\n  \"weight_map\": {\n"
        var pairs: [(String, String)] = []
        for (i, g) in shardTensors.enumerated() { for t in g { pairs.append((t.name, shardNames[i])) } }
        pairs.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        for (k, (name, shard)) in pairs.enumerated() {
            var bytes: [UInt8] = []
            SafeTensorsWriter.appendJSONString(name, to: &bytes)
            bytes += Array(": ".utf8)
            SafeTensorsWriter.appendJSONString(shard, to: &bytes)
            json += "    " + String(decoding: bytes, as: UTF8.self) + (k + 1 < pairs.count ? ",\n" : "\n")
        }
        json += "  }\n}\n"
        do {
            let f = try AtomicFile(path: indexPath)
            try f.write(json)
            try f.commit()
        } catch let e as TensorCoreError {
            throw WeightFormatError.writeFailed(file: indexPath, reason: e.description)
        }
        finished = true
        return indexPath
    }

    private func currentWriter(for name: String?) throws -> SafeTensorsWriter {
        if let c = current { return c }
        guard shardIndex < shardTensors.count else {
            throw WeightFormatError.writeFailed(file: directory, reason: "tensor '\(name ?? "")' written after the last one")
        }
        let w = try SafeTensorsWriter(path: directory + "/" + shardNames[shardIndex], tensors: shardTensors[shardIndex],
                                      metadata: metadata)
        current = w
        return w
    }

    private func closeIfComplete() throws {
        guard let c = current, c.nextTensor == nil else { return }
        try c.finish()
        completed.append(c.path)
        current = nil
        shardIndex += 1
    }
}
