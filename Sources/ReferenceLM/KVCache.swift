/// Keys and values of the positions processed so far, per layer: the decode state of a `LlamaModel`.
public struct KVCache: Sendable {
    /// Positions the cache can hold.
    public let capacity: Int
    /// Width of one key (or value) row, `kvHeads · headSize`.
    public let kvDim: Int
    /// Positions filled (the next token's position).
    public internal(set) var count: Int = 0
    /// Per layer, (capacity, kvDim) keys after RoPE.
    var keys: [[Float]]
    /// Per layer, (capacity, kvDim) values.
    var values: [[Float]]
    /// Scratch buffers of the forward pass, reused across calls (see `_ForwardWorkspace`).
    var workspace = _ForwardWorkspace()

    /// An empty cache for `model` holding `capacity` positions.
    public init(config: LlamaConfig, capacity: Int) {
        self.capacity = max(0, capacity)
        self.kvDim = config.kvDim
        keys = Array(repeating: [Float](repeating: 0, count: self.capacity * config.kvDim), count: config.layerCount)
        values = keys
    }

    /// Forgets every position (keeps the memory, scratch buffers included).
    public mutating func reset() { count = 0 }
}
