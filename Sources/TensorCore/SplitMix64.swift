#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seedable generator, so every sampled result
/// (generation, simulator shots, Born-machine initialisation) is reproducible from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    /// A generator whose whole state is `seed`; any value, 0 included, is a valid seed and gives a fixed stream.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits: advances the state by the golden-ratio increment `0x9E3779B97F4A7C15` and returns
    /// it through the SplitMix64 finaliser (xor-shift 30/27/31 with two odd multipliers). Period 2⁶⁴.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) from the top 53 bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Same as `nextUnit()`.
    public mutating func uniform() -> Double { nextUnit() }

    /// A standard normal draw (Box–Muller on two uniforms).
    public mutating func normal() -> Double {
        let u1 = max(nextUnit(), 1e-300), u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
