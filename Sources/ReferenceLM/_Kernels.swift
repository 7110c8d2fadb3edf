/// Element-wise kernels of the forward pass on raw pointers, written with `SIMD16<Float>` so that
/// they vectorise: RMSNorm, SwiGLU, causal softmax, and the exponential they need.
enum _Kernels {
    typealias V16 = SIMD16<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V16 {
        UnsafeRawPointer(p).loadUnaligned(as: V16.self)
    }

    @inline(__always) static func store(_ v: V16, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V16.self)
    }

    /// `eˣ` lane-wise for `x` in [−87, 88] (inputs outside are clamped: e⁻⁸⁷ ≈ 1.6e−38 and
    /// e⁸⁸ ≈ 1.7e38 stand for underflow and overflow). Cody–Waite reduction `x = n·ln2 + r`,
    /// |r| ≤ ln2/2, then Cephes `expf`'s degree-7 polynomial for `eʳ` (Moshier 1989) and `2ⁿ` built
    /// in the exponent bits; relative error ≤ 2 ulp (checked against `Foundation.exp` in the tests).
    @inline(__always) static func exp(_ x: V16) -> V16 {
        let x = x.clamped(lowerBound: V16(repeating: -87), upperBound: V16(repeating: 88))
        let magic: Float = 12_582_912  // 1.5·2²³: adding it rounds to the nearest integer
        let t = x * 1.442_695_04 + magic
        let nf = t - magic
        let n = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(V16(repeating: magic), to: SIMD16<Int32>.self)
        var r = x - nf * 0.693_359_375
        r = r - nf * -2.121_944_40e-4
        let z = r * r
        var y = r * 1.987_569_150_0e-4 + 1.398_199_950_7e-3
        y = y * r + 8.333_451_907_3e-3
        y = y * r + 4.166_579_589_4e-2
        y = y * r + 1.666_666_545_9e-1
        y = y * r + 5.000_000_120_1e-1
        y = y * z + r + 1
        return y * unsafeBitCast((n &+ 127) &<< 23, to: V16.self)
    }

    /// `f` applied to `count` values in place, 16 at a time (the tail padded with zeros).
    @inline(__always) static func map(_ p: UnsafeMutablePointer<Float>, count: Int, _ f: (V16) -> V16) {
        var i = 0
        while i + 16 <= count { store(f(load(p + i)), p + i); i += 16 }
        if i < count {
            var v = V16()
            for j in 0..<(count - i) { v[j] = p[i + j] }
            v = f(v)
            for j in 0..<(count - i) { p[i + j] = v[j] }
        }
    }

    /// `out = x / sqrt(mean(x²) + ε) · gain` for one row of `width` (sum of squares in Float64).
    static func rmsNorm(_ x: UnsafePointer<Float>, gain: UnsafePointer<Float>, width: Int, epsilon: Float,
                        into out: UnsafeMutablePointer<Float>) {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= width {
            let (a, b, c, d) = (Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3]))
            s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
            i += 4
        }
        while i < width { let a = Double(x[i]); s0 += a * a; i += 1 }
        let s = Float(1 / (((s0 + s1) + (s2 + s3)) / Double(width) + Double(epsilon)).squareRoot())
        for j in 0..<width { out[j] = x[j] * s * gain[j] }
    }

    /// SwiGLU in place: `g ← g / (1 + e^(−g)) · u` for `count` values.
    static func swiGLU(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let gv = load(g + i)
            store(gv / (1 + exp(-gv)) * load(u + i), g + i)
            i += 16
        }
        while i < count {
            var v = V16(); v[0] = g[i]
            let e = exp(-v)[0]
            g[i] = g[i] / (1 + e) * u[i]
            i += 1
        }
    }

    /// Softmax over the first `visible` entries of a row in place; entries `visible ..< width` become 0.
    static func softmaxCausal(_ row: UnsafeMutablePointer<Float>, visible: Int, width: Int) {
        var mv = V16(repeating: -.infinity)
        var i = 0
        while i + 16 <= visible { mv = pointwiseMax(mv, load(row + i)); i += 16 }
        var m = mv.max()
        while i < visible { m = Swift.max(m, row[i]); i += 1 }
        var sv = V16()
        i = 0
        while i + 16 <= visible {
            let e = exp(load(row + i) - m)
            store(e, row + i)
            sv += e
            i += 16
        }
        var sum = sv.sum()
        if i < visible {
            var v = V16(repeating: -.infinity)
            for j in 0..<(visible - i) { v[j] = row[i + j] - m }
            let e = exp(v)
            for j in 0..<(visible - i) { row[i + j] = e[j]; sum += e[j] }
        }
        let inv = 1 / sum
        i = 0
        while i + 16 <= visible { store(load(row + i) * inv, row + i); i += 16 }
        while i < visible { row[i] *= inv; i += 1 }
        if visible < width { (row + visible).update(repeating: 0, count: width - visible) }
    }
}
