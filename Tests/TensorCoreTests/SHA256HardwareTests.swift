import Testing
@testable import TensorCore

/// The SHA-NI block function (`CSHA256`) against the NIST vectors and against the portable Swift
/// path on random lengths and random split points.
@Suite struct SHA256HardwareTests {
    static func hex(_ bytes: [UInt8], portable: Bool, splits: [Int] = []) -> String {
        var h = SHA256(portable: portable)
        var start = 0
        for s in splits.sorted() where s >= start && s <= bytes.count {
            h.update(Array(bytes[start..<s])); start = s
        }
        h.update(Array(bytes[start...]))
        return h.finalizeHex()
    }

    @Test(.enabled(if: SHA256.hardwareAccelerated, "this CPU has no SHA extensions"))
    func nistVectorsOnTheHardwarePath() {
        #expect(Self.hex(Array("abc".utf8), portable: false) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex([], portable: false) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), portable: false)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // FIPS 180-4 two-block message (896 bits).
        #expect(Self.hex(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8), portable: false)
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        // One million 'a', fed in one buffer (15,625 blocks in one call).
        #expect(Self.hex([UInt8](repeating: 0x61, count: 1_000_000), portable: false)
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func portablePathOnTheNISTVectors() {
        #expect(Self.hex(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8), portable: true)
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func hardwareAndPortableAgreeOnRandomLengths() {
        var rng = SplitMix64(seed: 2026)
        for _ in 0..<60 {
            let n = Int(rng.next() % 5000)
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let splits = (0..<3).map { _ in n == 0 ? 0 : Int(rng.next() % UInt64(n + 1)) }
            let portable = Self.hex(bytes, portable: true)
            #expect(Self.hex(bytes, portable: false) == portable, "length \(n)")
            #expect(Self.hex(bytes, portable: false, splits: splits) == portable, "length \(n), splits \(splits)")
        }
    }
}
