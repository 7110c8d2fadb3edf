import CSHA256

/// SHA-256 (FIPS 180-4), streaming. Used for source-file and per-tensor checksums in compressed
/// checkpoints and for verifying fetched models; not for security decisions.
///
/// Whole 64-byte blocks go through the x86 SHA extensions (`CSHA256`, about 1.5–2 GB/s) when the
/// CPU has them (`hardwareAccelerated`, a CPUID check made once), otherwise through the portable
/// Swift block function below; both give the same digest (tests compare them on random lengths).
public struct SHA256: Sendable {
    /// Whether this CPU runs the SHA-NI block function.
    public static let hardwareAccelerated: Bool = csha256_hardware_available() == 1

    private let useHardware: Bool
    private var h: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// A fresh hasher in the FIPS 180-4 initial state `H⁽⁰⁾`, using the SHA extensions when `hardwareAccelerated`.
    public init() { useHardware = SHA256.hardwareAccelerated }

    /// A hasher that never uses the SHA extensions (tests compare the two paths).
    init(portable: Bool) { useHardware = portable ? false : SHA256.hardwareAccelerated }

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var i = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            i = take
            if pending.count == 64 {
                pending.withUnsafeBytes { compressBlocks($0.baseAddress!, count: 1) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        let blocks = (bytes.count - i) / 64
        if blocks > 0 {
            compressBlocks(bytes.baseAddress! + i, count: blocks)
            i += 64 * blocks
        }
        if i < bytes.count { pending.append(contentsOf: bytes[i...]) }
    }

    /// Feeds a byte array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest. The hasher must not be updated afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail: [UInt8] = [0x80]
        let padLen = (55 &- Int(length % 64) + 64) % 64
        tail += [UInt8](repeating: 0, count: padLen)
        for s in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(s))) }
        let saved = length
        update(tail)
        length = saved
        var out: [UInt8] = []
        for v in h { out += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
        return out
    }

    /// Lower-case hex digest of `bytes` (hashes them: not a hex encoding of a digest).
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var s = SHA256()
        s.update(bytes)
        return s.finalizeHex()
    }

    /// The digest as 64 lower-case hex digits. The hasher must not be updated afterwards.
    public mutating func finalizeHex() -> String {
        finalize().map { String(format2: $0) }.joined()
    }

    /// Lower-case hex digest of a byte array (hashes them).
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }

    private mutating func compressBlocks(_ p: UnsafeRawPointer, count: Int) {
        if useHardware {
            h.withUnsafeMutableBufferPointer { state in
                csha256_blocks(state.baseAddress!, p.assumingMemoryBound(to: UInt8.self), count)
            }
        } else {
            for b in 0..<count { compress(p + 64 * b) }
        }
    }

    private mutating func compress(_ p: UnsafeRawPointer) {
        // The message schedule lives on the stack (a heap array per 64-byte block made hashing
        // allocation-bound).
        let (a, b, c, d, e, f, g, hh) = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w -> (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) in
            for t in 0..<16 { w[t] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)) }
            for t in 16..<64 {
                let s0 = w[t - 15].rotr(7) ^ w[t - 15].rotr(18) ^ (w[t - 15] >> 3)
                let s1 = w[t - 2].rotr(17) ^ w[t - 2].rotr(19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            SHA256.k.withUnsafeBufferPointer { k in
                for t in 0..<64 {
                    let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                    let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
            }
            return (a, b, c, d, e, f, g, hh)
        }
        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
    }
}

extension UInt32 {
    @inline(__always) fileprivate func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}

extension String {
    /// Two lower-case hex digits.
    fileprivate init(format2 b: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }
}
