import Foundation
import Testing
@testable import Compression

/// `_KeyedCache`: one computation per key under concurrent requests, failures not cached, least
/// recently used evicted, and requests for other keys served while one is being computed.
@Suite struct KeyedCacheTests {
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var calls: [String: Int] = [:]
        func bump(_ k: String) { lock.lock(); calls[k, default: 0] += 1; lock.unlock() }
    }

    @Test func concurrentRequestsComputeOnce() throws {
        let cache = _KeyedCache<Int>(capacity: 4)
        let counter = Counter()
        let keys = ["a", "b", "a", "a", "b", "c", "a", "b"]
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int: Int] = [:]
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: keys.count) { i in
            let k = keys[i]
            let v = (try? cache.value(k) { counter.bump(k); Thread.sleep(forTimeInterval: 0.02); return k == "a" ? 1 : 2 }) ?? -1
            results.lock.lock(); results.values[i] = v; results.lock.unlock()
        }
        #expect(counter.calls == ["a": 1, "b": 1, "c": 1])
        for (i, k) in keys.enumerated() { #expect(results.values[i] == (k == "a" ? 1 : 2)) }
    }

    @Test func failuresAreNotCachedAndEvictionIsLeastRecentlyUsed() throws {
        struct Boom: Error {}
        let cache = _KeyedCache<Int>(capacity: 2)
        #expect(throws: Boom.self) { try cache.value("x") { throw Boom() } }
        #expect(try cache.value("x") { 7 } == 7)          // computed again after the failure
        _ = try cache.value("y") { 8 }
        _ = try cache.value("x") { 0 }                      // hit: x becomes most recent
        _ = try cache.value("z") { 9 }                      // evicts y
        #expect(try cache.value("x") { -1 } == 7)
        #expect(try cache.value("y") { 10 } == 10)         // recomputed
    }

    @Test func otherKeysAreServedWhileOneIsComputed() throws {
        let cache = _KeyedCache<Int>(capacity: 4)
        _ = try cache.value("ready") { 1 }
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? cache.value("slow") { started.signal(); release.wait(); return 2 }
            done.signal()
        }
        started.wait()
        // "slow" is being computed and holds no lock: a hit on another key returns at once.
        #expect(try cache.value("ready") { -1 } == 1)
        release.signal()
        done.wait()
        #expect(try cache.value("slow") { -1 } == 2)
    }
}
