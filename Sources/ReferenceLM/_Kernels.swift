/// Element-wise kernels of the forward pass on raw pointers, written with `SIMD8<Float>` so that
/// they vectorise: RMSNorm, SwiGLU, causal softmax, and the exponential they need. (Eight lanes: the
/// exponential's temporaries then fit the 16 SSE registers of the x86-64 baseline without spills.)
enum _Kernels {
    typealias Vec = SIMD8<Float>
    /// Lanes of `Vec`.
    static let lanes = 8

    /// Lane-wise maximum (`pointwiseMax` is not vectorised by the standard library).
    @inline(__always) static func maximum(_ a: Vec, _ b: Vec) -> Vec { a.replacing(with: b, where: b .> a) }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }

    @inline(__always) static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }

    /// `eˣ` lane-wise for `x` in [−87, 88] (inputs outside are clamped: e⁻⁸⁷ ≈ 1.6e−38 and
    /// e⁸⁸ ≈ 1.7e38 stand for underflow and overflow). Cody–Waite reduction `x = n·ln2 + r`,
    /// |r| ≤ ln2/2, then Cephes `expf`'s degree-7 polynomial for `eʳ` (Moshier 1989) and `2ⁿ` built
    /// in the exponent bits; relative error ≤ 2 ulp (checked against `Foundation.exp` in the tests).
    @inline(__always) static func exp(_ x: Vec) -> Vec {
        var x = x.replacing(with: -87, where: x .< -87)
        x = x.replacing(with: 88, where: x .> 88)
        let magic: Float = 12_582_912  // 1.5·2²³: adding it rounds to the nearest integer
        let t = x * 1.442_695_04 + magic
        let nf = t - magic
        let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(Vec(repeating: magic), to: SIMD8<Int32>.self)
        var r = x - nf * 0.693_359_375
        r = r - nf * -2.121_944_40e-4
        let z = r * r
        var y = r * 1.987_569_150_0e-4 + 1.398_199_950_7e-3
        y = y * r + 8.333_451_907_3e-3
        y = y * r + 4.166_579_589_4e-2
        y = y * r + 1.666_666_545_9e-1
        y = y * r + 5.000_000_120_1e-1
        y = y * z + r + 1
        return y * unsafeBitCast((n &+ 127) &<< 23, to: Vec.self)
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
        while i + lanes <= count {
            let gv = load(g + i)
            store(gv / (1 + exp(-gv)) * load(u + i), g + i)
            i += lanes
        }
        while i < count {
            var v = Vec(); v[0] = g[i]
            let e = exp(-v)[0]
            g[i] = g[i] / (1 + e) * u[i]
            i += 1
        }
    }

    /// Softmax over the first `visible` entries of a row in place; entries `visible ..< width` become 0.
    static func softmaxCausal(_ row: UnsafeMutablePointer<Float>, visible: Int, width: Int) {
        var mv = Vec(repeating: -.infinity)
        var i = 0
        while i + lanes <= visible { mv = maximum(mv, load(row + i)); i += lanes }
        var m = mv.max()
        while i < visible { m = Swift.max(m, row[i]); i += 1 }
        var sv = Vec()
        i = 0
        while i + lanes <= visible {
            let e = exp(load(row + i) - m)
            store(e, row + i)
            sv += e
            i += lanes
        }
        var sum = sv.sum()
        if i < visible {
            var v = Vec(repeating: -.infinity)
            for j in 0..<(visible - i) { v[j] = row[i + j] - m }
            let e = exp(v)
            for j in 0..<(visible - i) { row[i + j] = e[j]; sum += e[j] }
        }
        let inv = 1 / sum
        i = 0
        while i + lanes <= visible { store(load(row + i) * inv, row + i); i += lanes }
        while i < visible { row[i] *= inv; i += 1 }
        if visible < width { (row + visible).update(repeating: 0, count: width - visible) }
    }
}
