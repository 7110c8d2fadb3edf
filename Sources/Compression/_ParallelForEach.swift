import Foundation

/// Runs `body(i)` for every i in 0..<count: in order on the calling thread when `workers` ≤ 1,
/// otherwise on `workers` threads that each take the next index (dynamic, so a long tensor does
/// not hold up the others). The first error thrown stops the remaining indices and is rethrown.
/// `body` must be safe to call concurrently; results are placed by index, so the outcome does not
/// depend on scheduling.
func _forEach(_ count: Int, workers: Int, _ body: (Int) throws -> Void) throws {
    guard workers > 1, count > 1 else {
        for i in 0..<count { try body(i) }
        return
    }
    try withoutActuallyEscaping(body) { body in
        let state = _ForEachState(count: count, body: body)
        DispatchQueue.concurrentPerform(iterations: min(workers, count)) { _ in state.run() }
        if let failure = state.failure { throw failure }
    }
}

/// The shared cursor and first error of `_forEach` (all access under `lock`).
private final class _ForEachState: @unchecked Sendable {
    let lock = NSLock()
    let count: Int
    let body: (Int) throws -> Void
    var next = 0
    var failure: Error? = nil

    init(count: Int, body: @escaping (Int) throws -> Void) { self.count = count; self.body = body }

    func run() {
        while true {
            lock.lock()
            guard failure == nil, next < count else { lock.unlock(); return }
            let i = next
            next += 1
            lock.unlock()
            do { try body(i) } catch {
                lock.lock()
                if failure == nil { failure = error }
                lock.unlock()
            }
        }
    }
}
