/// Bit-exact conversions between `Float` and the 16- and 8-bit float formats found in checkpoints.
///
/// IEEE binary16 (F16) and bfloat16 (BF16) decode exactly to `Float`. Encoding rounds to nearest,
/// ties to even, as numpy's `astype(float16)` and PyTorch's `to(bfloat16)` do; NaN stays NaN.
public enum HalfPrecision {
    /// Decodes an IEEE 754 binary16 bit pattern.
    @inlinable
    public static func float(fromF16 h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F)
        let mant = UInt32(h & 0x03FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            // Subnormal: value = mant * 2^-24.
            let v = Float(mant) * 5.960464477539063e-08
            return sign != 0 ? -v : v
        }
        if exp == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13))
        }
        return Float(bitPattern: sign | (UInt32(exp + 112) << 23) | (mant << 13))
    }

    /// Encodes to IEEE 754 binary16, rounding to nearest even; overflow gives ±Inf.
    @inlinable
    public static func f16(from f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exp = Int((x >> 23) & 0xFF)
        var mant = x & 0x007F_FFFF
        if exp == 0xFF { // Inf or NaN
            return sign | 0x7C00 | (mant != 0 ? 0x0200 | UInt16(mant >> 13) : 0)
        }
        let e = exp - 127 + 15
        if e >= 31 { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }
            mant |= 0x0080_0000
            let shift = UInt32(14 - e)
            let half = UInt32(1) << (shift - 1)
            var r = mant >> shift
            let rem = mant & ((UInt32(1) << shift) - 1)
            if rem > half || (rem == half && (r & 1) == 1) { r += 1 }
            return sign | UInt16(r)
        }
        var r = (UInt32(e) << 10) | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && (r & 1) == 1) { r += 1 }
        return sign | UInt16(r) // a carry into the exponent rounds up correctly, up to Inf
    }

    /// Decodes a bfloat16 bit pattern (the upper half of a `Float`).
    @inlinable
    public static func float(fromBF16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Encodes to bfloat16, rounding to nearest even; NaN stays a quiet NaN.
    @inlinable
    public static func bf16(from f: Float) -> UInt16 {
        let x = f.bitPattern
        if f.isNaN { return UInt16(x >> 16) | 0x0040 }
        let rounding = UInt32(0x7FFF) + ((x >> 16) & 1)
        return UInt16((x &+ rounding) >> 16)
    }

    /// Decodes an OCP FP8 E4M3 (FN variant: no infinities, NaN = S.1111.111) byte.
    @inlinable
    public static func float(fromF8E4M3 b: UInt8) -> Float {
        let sign: Float = (b & 0x80) != 0 ? -1 : 1
        let exp = Int((b >> 3) & 0x0F)
        let mant = Int(b & 0x07)
        if exp == 15 && mant == 7 { return .nan }
        if exp == 0 { return sign * Float(mant) * 0.001953125 } // 2^-6 * mant/8
        return sign * (1 + Float(mant) / 8) * Float(sign: .plus, exponent: exp - 7, significand: 1)
    }

    /// Decodes an OCP FP8 E5M2 byte (IEEE-like: infinities and NaNs exist).
    @inlinable
    public static func float(fromF8E5M2 b: UInt8) -> Float {
        float(fromF16: UInt16(b) << 8)
    }
}
