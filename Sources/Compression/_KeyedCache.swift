import Foundation

/// The `capacity` most recently used values by key, each computed once even when several threads
/// ask for it at the same time: the first computes it without holding the lock (so other keys are
/// served meanwhile), the others wait for its result. A failed computation is not cached; a waiter
/// then computes it itself.
final class _KeyedCache<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var entries: [(key: String, value: Value)] = []
    private var inFlight: Set<String> = []
    let capacity: Int

    init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    /// The cached value of `key`, or `make()`'s (then cached, evicting the least recently used).
    func value(_ key: String, make: () throws -> Value) throws -> Value {
        condition.lock()
        while true {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                let e = entries.remove(at: i)
                entries.append(e)
                condition.unlock()
                return e.value
            }
            if !inFlight.contains(key) { break }
            condition.wait()
        }
        inFlight.insert(key)
        condition.unlock()
        let result = Result { try make() }
        condition.lock()
        inFlight.remove(key)
        if case let .success(v) = result {
            entries.append((key, v))
            if entries.count > capacity { entries.removeFirst() }
        }
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }
}
