/// A reproducible random number generator: xoshiro256** (Blackman & Vigna 2018) seeded by
/// SplitMix64, with standard normal draws by the Box–Muller transform.
///
/// The same seed gives the same stream on every platform and build, so randomized algorithms
/// (e.g. `RandomizedSVD`) are reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareGaussian: Double?

    /// Seeds the 256-bit state from `seed` with four SplitMix64 steps (never all-zero).
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
        spareGaussian = nil
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform draw in the open interval (0, 1), from the top 53 bits.
    public mutating func nextUniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal draw (mean 0, variance 1) by Box–Muller; draws come in pairs, the second is cached.
    public mutating func nextGaussian() -> Double {
        if let g = spareGaussian { spareGaussian = nil; return g }
        let u1 = nextUniform(), u2 = nextUniform()
        let radius = (-2 * _log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareGaussian = radius * _sin(angle)
        return radius * _cos(angle)
    }

    /// An `rows × columns` matrix of independent standard normal entries.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func gaussianMatrix<Scalar: LinearAlgebraScalar>(rows: Int, columns: Int, as _: Scalar.Type = Scalar.self) -> Matrix<Scalar> {
        var m = Matrix<Scalar>(zeros: rows, columns)
        for i in 0..<m.values.count { m.values[i] = Scalar(nextGaussian()) }
        return m
    }
}
