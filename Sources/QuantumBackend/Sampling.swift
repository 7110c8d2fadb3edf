import TensorCore
/// Seeded sampling from a discrete distribution.
public enum Sampling {
    /// `shots` indices drawn i.i.d. from `p` (which need not be exactly normalised: it is divided by
    /// its sum) by inverse-CDF binary search, O(2ⁿ + shots·n).
    public static func sample(_ p: [Double], shots: Int, rng: inout SplitMix64) -> [Int] {
        var cdf = [Double](repeating: 0, count: p.count)
        var acc = 0.0
        for i in p.indices { acc += max(p[i], 0); cdf[i] = acc }
        guard acc > 0 else { return [Int](repeating: 0, count: shots) }
        return (0..<shots).map { _ in
            let u = rng.uniform() * acc
            var lo = 0, hi = cdf.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cdf[mid] > u { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }
}
