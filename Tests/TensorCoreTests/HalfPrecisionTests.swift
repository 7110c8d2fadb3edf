import Foundation
import Testing
@testable import TensorCore

@Suite struct HalfPrecisionTests {
    @Test func f16DecodeMatchesSwiftFloat16ForAllPatterns() {
        // Swift's own Float16 is an independent implementation of binary16.
        for bits in 0...UInt16.max {
            let ours = HalfPrecision.float(fromF16: bits)
            let theirs = Float(Float16(bitPattern: bits))
            if theirs.isNaN { #expect(ours.isNaN) } else { #expect(ours.bitPattern == theirs.bitPattern, "pattern \(bits)") }
        }
    }

    @Test func f16EncodeRoundsLikeSwiftFloat16() {
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        // Exponents from deep subnormal to overflow, plus exact halfway cases.
        for _ in 0..<200_000 {
            let e = Int.random(in: -30...17, using: &rng)
            let f = Float(sign: Bool.random(using: &rng) ? .minus : .plus, exponent: e,
                          significand: Float.random(in: 1..<2, using: &rng))
            #expect(HalfPrecision.f16(from: f) == Float16(f).bitPattern, "value \(f)")
            checked += 1
        }
        for bits in UInt16(0)..<0x7C00 { // halfway between consecutive f16 values rounds to even
            let lo = Float(Float16(bitPattern: bits)), hi = Float(Float16(bitPattern: bits + 1))
            let mid = (Double(lo) + Double(hi)) / 2
            let f = Float(mid)
            #expect(HalfPrecision.f16(from: f) == Float16(f).bitPattern)
        }
        #expect(checked == 200_000)
        #expect(HalfPrecision.f16(from: .infinity) == 0x7C00)
        #expect(HalfPrecision.f16(from: 1e6) == 0x7C00)
        #expect(HalfPrecision.float(fromF16: HalfPrecision.f16(from: .nan)).isNaN)
    }

    @Test func bf16KnownValues() {
        #expect(HalfPrecision.bf16(from: 1.0) == 0x3F80)
        #expect(HalfPrecision.bf16(from: -2.0) == 0xC000)
        // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties to even gives 1.
        #expect(HalfPrecision.bf16(from: 1 + 0.00390625) == 0x3F80)
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: rounds to even, up.
        #expect(HalfPrecision.bf16(from: 1 + 3 * 0.00390625) == 0x3F82)
        #expect(HalfPrecision.float(fromBF16: 0x4049) == 3.140625)
        #expect(HalfPrecision.float(fromBF16: HalfPrecision.bf16(from: .nan)).isNaN)
    }

    @Test func fp8KnownValues() {
        // OCP FP8: E4M3FN max 448 (0x7E), NaN 0x7F; E5M2 max 57344 (0x7B), inf 0x7C.
        #expect(HalfPrecision.float(fromF8E4M3: 0x7E) == 448)
        #expect(HalfPrecision.float(fromF8E4M3: 0x7F).isNaN)
        #expect(HalfPrecision.float(fromF8E4M3: 0x38) == 1.0)
        #expect(HalfPrecision.float(fromF8E4M3: 0x01) == 0.001953125)
        #expect(HalfPrecision.float(fromF8E4M3: 0xB8) == -1.0)
        #expect(HalfPrecision.float(fromF8E5M2: 0x7B) == 57344)
        #expect(HalfPrecision.float(fromF8E5M2: 0x7C) == .infinity)
        #expect(HalfPrecision.float(fromF8E5M2: 0x3C) == 1.0)
    }
}
