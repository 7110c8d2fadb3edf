/// Tolerance checks shared by the tests.
public enum Approximate {
    /// Largest absolute difference between two equally long sequences (`.infinity` when the
    /// lengths differ, NaN-aware: a NaN on either side gives `.infinity`).
    public static func maxAbsDiff<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double
    where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
        guard a.count == b.count else { return .infinity }
        var m = 0.0
        for (x, y) in zip(a, b) {
            let d = abs(Double(x) - Double(y))
            if d.isNaN { return .infinity }
            m = max(m, d)
        }
        return m
    }

    /// `‖a − b‖₂ / max(‖b‖₂, tiny)`.
    public static func relativeError<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double
    where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
        guard a.count == b.count else { return .infinity }
        var num = 0.0, den = 0.0
        for (x, y) in zip(a, b) {
            let d = Double(x) - Double(y)
            num += d * d
            den += Double(y) * Double(y)
        }
        return (num.squareRoot()) / max(den.squareRoot(), 1e-300)
    }

    /// Whether the two sequences are bit-for-bit equal as Float32 (NaNs compared by bit pattern).
    public static func bitEqual(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
