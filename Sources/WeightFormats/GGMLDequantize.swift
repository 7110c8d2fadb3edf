import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Asks Linux to back the 2 MiB-aligned interior of a large, not yet touched output buffer with
/// transparent huge pages: first-touch page faults then cost one per 2 MiB instead of one per
/// 4 KiB, which is most of the time of dequantizing into fresh memory. Advisory only; a refusal
/// changes nothing.
@inline(__always)
func _adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let huge = 2 << 20
    guard buffer.count >= 2 * huge, let base = buffer.baseAddress else { return }
    let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
    if end > start, let p = UnsafeMutableRawPointer(bitPattern: start) {
        _ = madvise(p, end - start, 14)  // MADV_HUGEPAGE
    }
    #endif
}

/// Conversion of ggml block-quantized data to `Float32`, following ggml's `dequantize_row_*`
/// (`ggml-quants.c`) and the block layouts of `ggml-common.h`, operation for operation, so the
/// results equal gguf-py's `gguf.quants.dequantize` bit for bit (tested on every type).
///
/// With `d`, `m` the block's f16 scale and minimum and `q` the stored integer of an element:
/// - `F32`, `F16`, `BF16`: exact widening.
/// - `Q4_0`: `d·(q − 8)`, `Q5_0`: `d·(q − 16)`, `Q8_0`: `q·d` (q signed 8-bit).
/// - `Q4_1`, `Q5_1`: `d·q + m`.
/// - `Q2_K`: per 16 values `(d·(s & 15))·q − dmin·(s >> 4)`, q 2-bit.
/// - `Q3_K`: per 16 values `(d·(s − 32))·(q − 4·(1 − h))`, 6-bit scale s, 2 low bits q, high bit h.
/// - `Q4_K`, `Q5_K`: per 32 values `(d·sc)·q − dmin·m` with 6-bit packed `sc`, `m`.
/// - `Q6_K`: per 16 values `(d·s)·(q − 32)`, s signed 8-bit, q 6-bit.
/// Products are rounded to Float32 one at a time in that order (no fused multiply-add), as numpy
/// and ggml's scalar path do. Other types (IQ*, TQ*, Q8_1, Q8_K, integers, MXFP4) are refused.
///
/// Large tensors are split at block boundaries over `threads` workers (default: 2 on a machine
/// with at least 2 cores, or `ALLONE_THREADS` when set); the result does not depend on it.
public enum GGMLDequantize {
    /// Types `dequantize` accepts.
    public static let supportedTypes: Set<GGMLType> = [
        .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K,
    ]

    /// Whether `type` converts to Float32.
    public static func isSupported(_ type: GGMLType) -> Bool { supportedTypes.contains(type) }

    /// Default worker count: `ALLONE_THREADS` if set to a positive integer, else min(2, cores).
    public static let defaultThreads: Int = {
        if let s = ProcessInfo.processInfo.environment["ALLONE_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
    }()

    /// Below this many elements a tensor is converted on the calling thread.
    static let parallelThreshold = 1 << 18

    /// Dequantizes `count` values stored as `type` in `blocks` (which must hold at least
    /// `type.byteCount(elements: count)` bytes).
    /// - Throws: `.unsupportedConversion` for a type outside `supportedTypes`; `.invalid` when
    ///   `count` is not a whole number of blocks or `blocks` is too short.
    public static func dequantize(_ type: GGMLType, blocks: UnsafeRawBufferPointer, count: Int,
                                  threads: Int = defaultThreads,
                                  file: String = "<memory>", tensor: String = "") throws -> [Float] {
        try check(type, blocks: blocks, count: count, file: file, tensor: tensor)
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            _adviseHugePages(UnsafeMutableRawBufferPointer(out))
            convert(type, blocks: blocks, count: count, into: out, threads: threads)
            initialized = count
        }
    }

    /// Dequantizes into caller-owned memory (e.g. a buffer reused across tensors): `out` must hold
    /// at least `count` values; the first `count` are overwritten.
    public static func dequantize(_ type: GGMLType, blocks: UnsafeRawBufferPointer, count: Int,
                                  into out: UnsafeMutableBufferPointer<Float>, threads: Int = defaultThreads,
                                  file: String = "<memory>", tensor: String = "") throws {
        try check(type, blocks: blocks, count: count, file: file, tensor: tensor)
        guard out.count >= count else {
            throw WeightFormatError.invalid(file: file, field: "tensor '\(tensor)' output", offset: 0,
                                            reason: "buffer of \(out.count) values cannot hold \(count)")
        }
        convert(type, blocks: blocks, count: count, into: out, threads: threads)
    }

    private static func check(_ type: GGMLType, blocks: UnsafeRawBufferPointer, count: Int, file: String, tensor: String) throws {
        guard isSupported(type) else {
            throw WeightFormatError.unsupportedConversion(file: file, tensor: tensor, type: type.name)
        }
        guard let need = type.byteCount(elements: count), blocks.count >= need else {
            throw WeightFormatError.invalid(file: file, field: "tensor '\(tensor)' data", offset: 0,
                                            reason: "\(blocks.count) bytes cannot hold \(count) \(type.name) values")
        }
    }

    /// Converts after `check`: sizes are valid.
    private static func convert(_ type: GGMLType, blocks: UnsafeRawBufferPointer, count: Int,
                                into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        guard count > 0, let base = blocks.baseAddress, let dst = out.baseAddress else { return }
        let nBlocks = count / type.blockSize
        let workers = count >= parallelThreshold ? max(1, min(threads, 64)) : 1
        if workers == 1 {
            run(type, base, dst, 0, nBlocks)
            return
        }
        let per = (nBlocks + workers - 1) / workers
        let job = _Job(src: base, dst: dst)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * per, hi = min(nBlocks, lo + per)
            if lo < hi { run(type, job.src, job.dst, lo, hi) }
        }
    }

    /// Dequantizes a whole byte array (its length must be a whole number of blocks).
    public static func dequantize(_ type: GGMLType, bytes: [UInt8]) throws -> [Float] {
        guard bytes.count % type.typeSize == 0 else {
            throw WeightFormatError.invalid(file: "<memory>", field: "blocks", offset: 0,
                                            reason: "\(bytes.count) bytes is not a whole number of \(type.name) blocks")
        }
        let count = bytes.count / type.typeSize * type.blockSize
        return try bytes.withUnsafeBytes { try dequantize(type, blocks: $0, count: count, threads: 1) }
    }

    /// Source and destination of one conversion, shared by workers that touch disjoint blocks.
    struct _Job: @unchecked Sendable {
        let src: UnsafeRawPointer
        let dst: UnsafeMutablePointer<Float>
    }

    // MARK: - Kernels (blocks [lo, hi) of `src` into `dst`)

    /// The f16 at `p + offset`, widened exactly through the table.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int, _ table: UnsafePointer<Float>) -> Float {
        table[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
    }

    static func run(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        _HalfTable.values.withUnsafeBufferPointer { t in
            run(type, src, dst, lo, hi, t.baseAddress!)
        }
    }

    static func run(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        switch type {
        case .f32: f32(src, dst, lo, hi, table)
        case .f16: f16(src, dst, lo, hi, table)
        case .bf16: bf16(src, dst, lo, hi, table)
        case .q4_0: q4_0(src, dst, lo, hi, table)
        case .q4_1: q4_1(src, dst, lo, hi, table)
        case .q5_0: q5_0(src, dst, lo, hi, table)
        case .q5_1: q5_1(src, dst, lo, hi, table)
        case .q8_0: q8_0(src, dst, lo, hi, table)
        case .q2_K: q2_K(src, dst, lo, hi, table)
        case .q3_K: q3_K(src, dst, lo, hi, table)
        case .q4_K: q4_K(src, dst, lo, hi, table)
        case .q5_K: q5_K(src, dst, lo, hi, table)
        case .q6_K: q6_K(src, dst, lo, hi, table)
        default: break  // unreachable: filtered by isSupported
        }
    }

    static func f32(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        #if _endian(little)
        (dst + lo).update(from: (src + 4 * lo).assumingMemoryBound(to: Float.self), count: hi - lo)
        #else
        for i in lo..<hi { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        #endif
    }

    static func f16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for i in lo..<hi {
            dst[i] = table[Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))]
        }
    }

    static func bf16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for i in lo..<hi {
            let b = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            dst[i] = Float(bitPattern: UInt32(b) << 16)
        }
    }

    // block_q4_0 { f16 d; u8 qs[16]; }  (18 bytes, 32 values)
    static func q4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 18 * b
            let d = half(p, 0, table)
            let qs = (p + 2).assumingMemoryBound(to: UInt8.self)
            let y = dst + 32 * b
            for j in 0..<16 {
                let x = qs[j]
                y[j] = d * Float(Int32(x & 0x0F) &- 8)
                y[j + 16] = d * Float(Int32(x >> 4) &- 8)
            }
        }
    }

    // block_q4_1 { f16 d; f16 m; u8 qs[16]; }  (20 bytes)
    static func q4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 20 * b
            let d = half(p, 0, table), m = half(p, 2, table)
            let qs = (p + 4).assumingMemoryBound(to: UInt8.self)
            let y = dst + 32 * b
            for j in 0..<16 {
                let x = qs[j]
                y[j] = d * Float(x & 0x0F) + m
                y[j + 16] = d * Float(x >> 4) + m
            }
        }
    }

    /// Byte k of entry v is `((v >> k) & 1) << 4`: spreads 8 high bits of Q5 values over 8 bytes.
    static let _spread: [UInt64] = (0..<256).map { (v: Int) -> UInt64 in
        var r: UInt64 = 0
        for k in 0..<8 where (v >> k) & 1 == 1 { r |= UInt64(0x10) << UInt64(8 * k) }
        return r
    }

    /// The 32 fifth bits of a Q5 block as bytes of 0 or 0x10, from the little-endian `qh` word.
    @inline(__always)
    static func spreadHighBits(_ qh: UnsafeRawPointer, _ into: UnsafeMutableRawPointer) {
        _spread.withUnsafeBufferPointer { t in
            for k in 0..<4 { into.storeBytes(of: t[Int(qh.load(fromByteOffset: k, as: UInt8.self))], toByteOffset: 8 * k, as: UInt64.self) }
        }
    }

    // block_q5_0 { f16 d; u8 qh[4]; u8 qs[16]; }  (22 bytes); bit j of qh is bit 4 of value j
    static func q5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        var high = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &high) { hb in
            let h = hb.baseAddress!
            let hx = h.assumingMemoryBound(to: UInt8.self)
            for b in lo..<hi {
                let p = src + 22 * b
                let d = half(p, 0, table)
                spreadHighBits(p + 2, h)
                let qs = (p + 6).assumingMemoryBound(to: UInt8.self)
                let y = dst + 32 * b
                for j in 0..<16 {
                    y[j] = d * Float(Int32((qs[j] & 0x0F) | hx[j]) &- 16)
                    y[j + 16] = d * Float(Int32((qs[j] >> 4) | hx[j + 16]) &- 16)
                }
            }
        }
    }

    // block_q5_1 { f16 d; f16 m; u8 qh[4]; u8 qs[16]; }  (24 bytes)
    static func q5_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        var high = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &high) { hb in
            let h = hb.baseAddress!
            let hx = h.assumingMemoryBound(to: UInt8.self)
            for b in lo..<hi {
                let p = src + 24 * b
                let d = half(p, 0, table), m = half(p, 2, table)
                spreadHighBits(p + 4, h)
                let qs = (p + 8).assumingMemoryBound(to: UInt8.self)
                let y = dst + 32 * b
                for j in 0..<16 {
                    y[j] = d * Float((qs[j] & 0x0F) | hx[j]) + m
                    y[j + 16] = d * Float((qs[j] >> 4) | hx[j + 16]) + m
                }
            }
        }
    }

    // block_q8_0 { f16 d; i8 qs[32]; }  (34 bytes)
    static func q8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 34 * b
            let d = half(p, 0, table)
            let qs = (p + 2).assumingMemoryBound(to: Int8.self)
            let y = dst + 32 * b
            for j in 0..<32 { y[j] = Float(qs[j]) * d }
        }
    }

    // block_q2_K { u8 scales[16]; u8 qs[64]; f16 d; f16 dmin; }  (84 bytes, 256 values)
    static func q2_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 84 * b
            let sc = p.assumingMemoryBound(to: UInt8.self)
            let d = half(p, 80, table), dmin = half(p, 82, table)
            var y = dst + 256 * b
            var q = (p + 16).assumingMemoryBound(to: UInt8.self)
            var s = 0
            for _ in 0..<2 {
                var shift: UInt8 = 0
                for _ in 0..<4 {
                    var dl = d * Float(sc[s] & 0x0F), ml = dmin * Float(sc[s] >> 4)
                    s += 1
                    for l in 0..<16 { y[l] = dl * Float((q[l] &>> shift) & 3) - ml }
                    dl = d * Float(sc[s] & 0x0F); ml = dmin * Float(sc[s] >> 4)
                    s += 1
                    for l in 0..<16 { y[16 + l] = dl * Float((q[l + 16] &>> shift) & 3) - ml }
                    y += 32
                    shift += 2
                }
                q += 32
            }
        }
    }

    // block_q3_K { u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d; }  (110 bytes)
    static func q3_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 110 * b
            let hm = p.assumingMemoryBound(to: UInt8.self)
            let qs = (p + 32).assumingMemoryBound(to: UInt8.self)
            let sc = (p + 96).assumingMemoryBound(to: UInt8.self)
            let d = half(p, 108, table)
            // 16 six-bit scales: low 4 bits from bytes 0–7 (low then high nibbles), high 2 bits
            // from bytes 8–11.
            var dl = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0),
                      Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
            withUnsafeMutableBytes(of: &dl) { raw in
                let out = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                for k in 0..<16 {
                    let low = k < 8 ? sc[k] & 0x0F : sc[k - 8] >> 4
                    let high = (sc[8 + k % 4] &>> UInt8(2 * (k / 4))) & 3
                    out[k] = d * Float(Int32(low | (high << 4)) &- 32)
                }
            }
            let y = dst + 256 * b
            withUnsafeBytes(of: &dl) { raw in
                let scale = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                for g in 0..<8 {  // 8 groups of 32 values; group g uses hmask bit g
                    let q = qs + 32 * (g / 4)
                    let shift = UInt8(2 * (g % 4))
                    let y0 = y + 32 * g
                    let s0 = scale[2 * g], s1 = scale[2 * g + 1]
                    for l in 0..<16 {
                        let v = Int32((q[l] &>> shift) & 3) - (((hm[l] &>> UInt8(g)) & 1) != 0 ? 0 : 4)
                        y0[l] = s0 * Float(v)
                    }
                    for l in 16..<32 {
                        let v = Int32((q[l] &>> shift) & 3) - (((hm[l] &>> UInt8(g)) & 1) != 0 ? 0 : 4)
                        y0[l] = s1 * Float(v)
                    }
                }
            }
        }
    }

    /// ggml's `get_scale_min_k4`: the j-th 6-bit scale and minimum of a Q4_K/Q5_K block.
    @inline(__always)
    static func scaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (UInt8, UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    // block_q4_K { f16 d; f16 dmin; u8 scales[12]; u8 qs[128]; }  (144 bytes)
    static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 144 * b
            let d = half(p, 0, table), dmin = half(p, 2, table)
            let sc = (p + 4).assumingMemoryBound(to: UInt8.self)
            let qs = (p + 16).assumingMemoryBound(to: UInt8.self)
            let y = dst + 256 * b
            for j in 0..<4 {
                let (s1, m1) = scaleMin(2 * j, sc), (s2, m2) = scaleMin(2 * j + 1, sc)
                let d1 = d * Float(s1), mm1 = dmin * Float(m1)
                let d2 = d * Float(s2), mm2 = dmin * Float(m2)
                let q = qs + 32 * j
                let y0 = y + 64 * j
                for l in 0..<32 { y0[l] = d1 * Float(q[l] & 0x0F) - mm1 }
                for l in 0..<32 { y0[32 + l] = d2 * Float(q[l] >> 4) - mm2 }
            }
        }
    }

    // block_q5_K { f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }  (176 bytes)
    static func q5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 176 * b
            let d = half(p, 0, table), dmin = half(p, 2, table)
            let sc = (p + 4).assumingMemoryBound(to: UInt8.self)
            let qh = (p + 16).assumingMemoryBound(to: UInt8.self)
            let qs = (p + 48).assumingMemoryBound(to: UInt8.self)
            let y = dst + 256 * b
            for j in 0..<4 {
                let (s1, m1) = scaleMin(2 * j, sc), (s2, m2) = scaleMin(2 * j + 1, sc)
                let d1 = d * Float(s1), mm1 = dmin * Float(m1)
                let d2 = d * Float(s2), mm2 = dmin * Float(m2)
                let q = qs + 32 * j
                let y0 = y + 64 * j
                let b1 = UInt8(2 * j), b2 = UInt8(2 * j + 1)
                for l in 0..<32 { y0[l] = d1 * Float((q[l] & 0x0F) | (((qh[l] &>> b1) & 1) << 4)) - mm1 }
                for l in 0..<32 { y0[32 + l] = d2 * Float((q[l] >> 4) | (((qh[l] &>> b2) & 1) << 4)) - mm2 }
            }
        }
    }

    // block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d; }  (210 bytes)
    static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int,
                    _ table: UnsafePointer<Float>) {
        for b in lo..<hi {
            let p = src + 210 * b
            let d = half(p, 208, table)
            for n in 0..<2 {
                let ql = (p + 64 * n).assumingMemoryBound(to: UInt8.self)
                let qh = (p + 128 + 32 * n).assumingMemoryBound(to: UInt8.self)
                let sc = (p + 192 + 8 * n).assumingMemoryBound(to: Int8.self)
                let y = dst + 256 * b + 128 * n
                for h in 0..<2 {  // l in [16h, 16h + 16) uses scales 2k + h
                    let s0 = d * Float(sc[h]), s2 = d * Float(sc[h + 2])
                    let s4 = d * Float(sc[h + 4]), s6 = d * Float(sc[h + 6])
                    for l in (16 * h)..<(16 * h + 16) {
                        let a = ql[l], c = ql[l + 32], hb = qh[l]
                        y[l] = s0 * Float(Int32((a & 0x0F) | ((hb & 3) << 4)) &- 32)
                        y[l + 32] = s2 * Float(Int32((c & 0x0F) | (((hb >> 2) & 3) << 4)) &- 32)
                        y[l + 64] = s4 * Float(Int32((a >> 4) | (((hb >> 4) & 3) << 4)) &- 32)
                        y[l + 96] = s6 * Float(Int32((c >> 4) | (((hb >> 6) & 3) << 4)) &- 32)
                    }
                }
            }
        }
    }
}
