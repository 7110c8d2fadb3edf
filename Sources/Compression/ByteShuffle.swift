/// Byte-plane shuffling of fixed-width values before entropy coding.
///
/// The bytes of `n` values of `w` bytes each are regrouped so that byte `k` of every value is
/// stored together: plane 0 (all low bytes), then plane 1, … The exponent bytes of floating-point
/// weights are highly repetitive while the mantissa bytes are close to random, so grouping them
/// lets zstd compress the predictable planes well (ZipNN, Hershcovitch et al. 2024,
/// arXiv 2411.05239). `unshuffle(shuffle(x)) == x` for every input.
public enum ByteShuffle {
    /// Regroups `bytes` into `width` byte planes. A trailing partial value (when `bytes.count` is
    /// not a multiple of `width`) is copied unchanged at the end.
    public static func shuffle(_ bytes: UnsafeRawBufferPointer, width: Int) -> [UInt8] {
        guard width > 1, bytes.count >= width else { return Array(bytes) }
        let n = bytes.count / width
        var out = [UInt8](repeating: 0, count: bytes.count)
        out.withUnsafeMutableBufferPointer { o in
            for plane in 0..<width {
                let dst = plane * n
                var src = plane
                for i in 0..<n {
                    o[dst + i] = bytes[src]
                    src += width
                }
            }
            for i in (n * width)..<bytes.count { o[i] = bytes[i] }
        }
        return out
    }

    /// Inverse of `shuffle(_:width:)`.
    public static func unshuffle(_ bytes: UnsafeRawBufferPointer, width: Int) -> [UInt8] {
        guard width > 1, bytes.count >= width else { return Array(bytes) }
        let n = bytes.count / width
        var out = [UInt8](repeating: 0, count: bytes.count)
        out.withUnsafeMutableBufferPointer { o in
            for plane in 0..<width {
                let src = plane * n
                var dst = plane
                for i in 0..<n {
                    o[dst] = bytes[src + i]
                    dst += width
                }
            }
            for i in (n * width)..<bytes.count { o[i] = bytes[i] }
        }
        return out
    }
}
