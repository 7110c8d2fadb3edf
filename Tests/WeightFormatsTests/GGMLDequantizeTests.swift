import Foundation
import Testing
import TestSupport
@testable import WeightFormats

/// Dequantization against gguf-py's `gguf.quants.dequantize` (Fixtures/gguf/make_fixtures.py):
/// bit-for-bit equal Float32 on every supported type.
@Suite struct GGMLDequantizeTests {
    static let types: [GGMLType] = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture(relative))))
    }

    @Test(arguments: types)
    func matchesGGUFPyBitForBit(type: GGMLType) throws {
        let blocks = try Self.bytes("gguf/quant/\(type.name).blocks.bin")
        let want = try FixtureReader.float32(TestPaths.fixture("gguf/quant/\(type.name).dequant.f32"))
        #expect(want.count == blocks.count / type.typeSize * type.blockSize)
        let got = try GGMLDequantize.dequantize(type, bytes: blocks)
        #expect(Approximate.bitEqual(got, want))
        if got.count == want.count, let i = got.indices.first(where: { got[$0].bitPattern != want[$0].bitPattern }) {
            Issue.record("\(type.name): first difference at \(i): \(got[i]) vs \(want[i])")
        }
    }

    /// Blocks taken from a real Q4_K_M model (gemma-3-270m, see make_fixtures.py), not random bytes.
    @Test(arguments: [GGMLType.q4_K, .q6_K, .q5_0])
    func realModelBlocksMatchGGUFPy(type: GGMLType) throws {
        let blocks = try Self.bytes("gguf/quant/real_\(type.name).blocks.bin")
        let want = try FixtureReader.float32(TestPaths.fixture("gguf/quant/real_\(type.name).dequant.f32"))
        #expect(blocks.count == 8 * type.typeSize)
        #expect(Approximate.bitEqual(try GGMLDequantize.dequantize(type, bytes: blocks), want))
    }

    @Test func f32IsIdentityAndSplittingOverThreadsChangesNothing() throws {
        let values: [Float] = (0..<1000).map { Float($0) * 0.37 - 11 }
        let got = try values.withUnsafeBytes { try GGMLDequantize.dequantize(.f32, blocks: $0, count: 1000) }
        #expect(got == values)
        // A tensor large enough to be split (2^18 values) gives the same bits on 1 and 3 workers.
        let q = try Self.bytes("gguf/quant/Q6_K.blocks.bin")
        var big: [UInt8] = []
        while big.count / 210 * 256 < GGMLDequantize.parallelThreshold + 256 { big += q }
        let n = big.count / 210 * 256
        let one = try big.withUnsafeBytes { try GGMLDequantize.dequantize(.q6_K, blocks: $0, count: n, threads: 1) }
        let three = try big.withUnsafeBytes { try GGMLDequantize.dequantize(.q6_K, blocks: $0, count: n, threads: 3) }
        #expect(Approximate.bitEqual(one, three))
        let want = try FixtureReader.float32(TestPaths.fixture("gguf/quant/Q6_K.dequant.f32"))
        #expect(Approximate.bitEqual(Array(three[(n - want.count)...]), want))
    }

    @Test func unsupportedTypesAndShortBuffersAreRefused() throws {
        let zeros = [UInt8](repeating: 0, count: 1024)
        for t in GGMLType.allCases where !GGMLDequantize.isSupported(t) {
            #expect(throws: WeightFormatError.unsupportedConversion(file: "<memory>", tensor: "", type: t.name)) {
                try zeros.withUnsafeBytes { try GGMLDequantize.dequantize(t, blocks: $0, count: t.blockSize) }
            }
        }
        #expect(GGMLDequantize.supportedTypes.count == 13)
        #expect(throws: WeightFormatError.self) {  // 2 Q8_0 blocks need 68 bytes
            try zeros.prefix(67).withUnsafeBytes { try GGMLDequantize.dequantize(.q8_0, blocks: $0, count: 64) }
        }
        #expect(throws: WeightFormatError.self) {  // not a whole block
            try zeros.withUnsafeBytes { try GGMLDequantize.dequantize(.q4_0, blocks: $0, count: 31) }
        }
    }
}
