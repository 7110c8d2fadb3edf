import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct BLASSingleThreadedTests {
    /// A thread count held in a box, standing in for OpenBLAS's process-global one.
    final class Count: @unchecked Sendable {
        private let lock = NSLock()
        private var v: Int
        private(set) var sets = 0
        init(_ v: Int) { self.v = v }
        var value: Int {
            get { lock.lock(); defer { lock.unlock() }; return v }
            set { lock.lock(); v = newValue; sets += 1; lock.unlock() }
        }
    }

    /// Regions force one thread, nest, restore the count in force before (also when the body throws),
    /// and do not touch a count that is already 1.
    @Test func regionsNestAndRestoreTheThreadCount() throws {
        let count = Count(2)
        let regions = _SingleThreadedRegions(get: { count.value }, set: { count.value = $0 })
        regions.run {
            #expect(count.value == 1)
            regions.run { #expect(count.value == 1) }
            #expect(count.value == 1)
        }
        #expect(count.value == 2)
        struct Failure: Error {}
        #expect(throws: Failure.self) { try regions.run { throw Failure() } }
        #expect(count.value == 2)
        let one = Count(1)
        let quiet = _SingleThreadedRegions(get: { one.value }, set: { one.value = $0 })
        quiet.run { quiet.run {} }
        #expect(one.value == 1 && one.sets == 0)
    }

    /// Overlapping regions on several threads: one thread inside all along, the count is 1 while any
    /// region is open and the original one after the last closes.
    @Test func overlappingRegionsAcrossThreadsRestoreOnce() {
        let count = Count(4)
        let regions = _SingleThreadedRegions(get: { count.value }, set: { count.value = $0 })
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<200 { regions.run { #expect(count.value == 1) } }
        }
        #expect(count.value == 4)
    }

    /// The real OpenBLAS count reads 1 inside a region.
    @Test func openBLASRunsOneThreadInsideARegion() {
        BLAS.withSingleThreadedCalls { #expect(BLAS.threadCount == 1) }
    }
}
