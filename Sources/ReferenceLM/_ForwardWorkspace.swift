/// Scratch buffers of `LlamaModel.hiddenStates`, kept in the `KVCache` between calls so that later
/// windows allocate (and page-fault) nothing. `hiddenStates` uses it only while the cache holding it
/// is uniquely referenced, and gives a copied cache a fresh one, so no two calls share it.
final class _ForwardWorkspace: @unchecked Sendable {
    private var slots: [_Scratch] = []
    /// Recorded activations (the recorder reads them as arrays): normalised input, attention output, gate.
    var n: [Float] = [], att: [Float] = [], gate: [Float] = []

    /// Slot `i` holding at least `count` values (contents unspecified: callers overwrite before reading).
    func buffer(_ i: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while slots.count <= i { slots.append(_Scratch(0)) }
        if slots[i].count < count { slots[i] = _Scratch(count) }
        return slots[i].p
    }

    /// `a` resized to `count` values (contents unspecified when the size is unchanged).
    static func sized(_ a: inout [Float], _ count: Int) {
        if a.count != count { a = [Float](repeating: 0, count: count) }
    }
}
