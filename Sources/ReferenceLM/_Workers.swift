import Dispatch
import Foundation

/// A fixed number of workers for the forward pass: `run` calls `body(w)` for `w = 0 ..< count`,
/// concurrently when `count > 1` (`DispatchQueue.concurrentPerform`), and returns when all are done
/// (one barrier). Work is split statically, so results do not depend on timing.
struct _Workers: Sendable {
    /// Workers per region (≥ 1).
    let count: Int

    /// `count` clamped to 1 … the number of active processors.
    init(_ count: Int) {
        self.count = Swift.max(1, Swift.min(count, ProcessInfo.processInfo.activeProcessorCount))
    }

    func run(_ body: (Int) -> Void) {
        if count == 1 { body(0); return }
        // The body only touches disjoint parts of shared buffers per worker (static split), so it may
        // run on several threads although its captures (raw pointers) are not `Sendable`.
        withoutActuallyEscaping(body) { b in
            let box = _UncheckedSendableBox(b)
            DispatchQueue.concurrentPerform(iterations: count) { w in box.value(w) }
        }
    }

    /// Part `w` of `0 ..< n` cut into `count` nearly equal ranges whose boundaries are multiples of
    /// `align` (the GEMM kernel's column block), except the last.
    func share(of n: Int, worker w: Int, align: Int = 8) -> Range<Int> {
        Self.share(of: n, parts: count, part: w, align: align)
    }

    static func share(of n: Int, parts: Int, part w: Int, align: Int = 8) -> Range<Int> {
        func boundary(_ i: Int) -> Int {
            if i >= parts { return n }
            let raw = (n * i + parts / 2) / parts
            return Swift.min(n, (raw + align / 2) / align * align)
        }
        let lo = boundary(w), hi = boundary(w + 1)
        return lo ..< Swift.max(lo, hi)
    }
}

/// Carries a value across a `@Sendable` boundary; the caller guarantees race freedom.
struct _UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
