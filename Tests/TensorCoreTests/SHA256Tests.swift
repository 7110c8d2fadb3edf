import Testing
@testable import TensorCore

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST example vectors.
    @Test func nistVectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingMatchesOneShotAcrossBlockBoundaries() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hex(data)
        for split in [1, 55, 56, 63, 64, 65, 127, 999] {
            var t = SHA256()
            t.update(Array(data[..<split])); t.update(Array(data[split...]))
            let hex = t.finalize().map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
            #expect(hex == whole, "split at \(split)")
        }
        // One million 'a' (NIST long vector).
        var m = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { m.update(chunk) }
        let hex = m.finalize().map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
        #expect(hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct SHA256FileDigestTests {
    /// The streaming digest equals the one-shot `hex` of the same bytes (guards against hashing the digest again).
    @Test func finalizeHexIsTheDigestOfTheBytes() {
        var h = SHA256()
        h.update(Array("abc".utf8))
        #expect(h.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
