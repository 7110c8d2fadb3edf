import Foundation
import Testing
@testable import Compression
import TensorCore

@Suite struct ZstdShuffleTests {
    @Test func shuffleRoundTripsAndGroupsPlanes() {
        let values: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]  // 2 values of width 4 + 3 trailing
        let s = values.withUnsafeBytes { ByteShuffle.shuffle($0, width: 4) }
        #expect(s == [1, 5, 2, 6, 3, 7, 4, 8, 9, 10, 11])
        #expect(s.withUnsafeBytes { ByteShuffle.unshuffle($0, width: 4) } == values)
        var rng = SystemRandomNumberGenerator()
        for width in [1, 2, 3, 4, 8] {
            let data = (0..<Int.random(in: 0..<500, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let back = data.withUnsafeBytes { ByteShuffle.shuffle($0, width: width) }
                .withUnsafeBytes { ByteShuffle.unshuffle($0, width: width) }
            #expect(back == data)
        }
    }

    @Test func zstdRoundTripAndShuffleHelpsOnBF16() throws {
        // Gaussian-like weights stored as BF16: the exponent plane is far more compressible.
        var state: UInt64 = 42
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        var bf16: [UInt8] = []
        for _ in 0..<100_000 {
            let g = (-2 * log(max(next(), 1e-12))).squareRoot() * cos(2 * Double.pi * next()) * 0.02
            let b = HalfPrecision.bf16(from: Float(g))
            bf16 += [UInt8(b & 0xff), UInt8(b >> 8)]
        }
        let plain = try bf16.withUnsafeBytes { try Zstd.compress($0) }
        let shuffled = bf16.withUnsafeBytes { ByteShuffle.shuffle($0, width: 2) }
        let packed = try shuffled.withUnsafeBytes { try Zstd.compress($0) }
        #expect(try packed.withUnsafeBytes { try Zstd.decompress($0, limit: bf16.count) } == shuffled)
        #expect(try plain.withUnsafeBytes { try Zstd.decompress($0, limit: bf16.count) } == bf16)
        #expect(packed.count < plain.count)  // byte grouping must help on BF16
    }

    @Test func corruptAndOversizedFramesAreRefused() throws {
        let data = [UInt8](repeating: 7, count: 10_000)
        let frame = try data.withUnsafeBytes { try Zstd.compress($0) }
        #expect(throws: Zstd.Failure.tooLarge(declared: 10_000, limit: 100)) {
            try frame.withUnsafeBytes { try Zstd.decompress($0, limit: 100) }
        }
        let truncated = Array(frame.prefix(frame.count - 3))
        #expect(throws: Zstd.Failure.self) { try truncated.withUnsafeBytes { try Zstd.decompress($0, limit: 20_000) } }
        let garbage: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(throws: Zstd.Failure.self) { try garbage.withUnsafeBytes { try Zstd.decompress($0, limit: 20_000) } }
    }
}
