import Testing
import LinearAlgebra

@Suite(.serialized) struct BLASSingleThreadedTests {
    /// Inside (nested) regions OpenBLAS runs one thread; the count in force before is restored after,
    /// also when the body throws.
    @Test func regionsNestAndRestoreTheThreadCount() throws {
        let before = BLAS.threadCount
        defer { BLAS.threadCount = before }
        BLAS.threadCount = 2
        let expected = BLAS.threadCount  // 2, or 1 where OpenBLAS was built single-threaded
        BLAS.withSingleThreadedCalls {
            #expect(BLAS.threadCount == 1)
            BLAS.withSingleThreadedCalls { #expect(BLAS.threadCount == 1) }
            #expect(BLAS.threadCount == 1)
        }
        #expect(BLAS.threadCount == expected)
        struct Failure: Error {}
        #expect(throws: Failure.self) { try BLAS.withSingleThreadedCalls { throw Failure() } }
        #expect(BLAS.threadCount == expected)
    }
}
