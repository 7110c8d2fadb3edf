/// Row-major axis permutation: `out` has shape `perm.map { shape[$0] }` and
/// `out[i_{perm[0]}, …] = values[i_0, …]`. Internal helper of the tensor-train code.
func _permute<T>(_ values: [T], shape: [Int], perm: [Int]) -> [T] {
    let d = shape.count
    if d <= 1 || perm == Array(0..<d) { return values }
    var inStrides = [Int](repeating: 1, count: d)
    for k in stride(from: d - 2, through: 0, by: -1) { inStrides[k] = inStrides[k + 1] * shape[k + 1] }
    let outShape = perm.map { shape[$0] }
    let strideOfOutAxis = perm.map { inStrides[$0] }  // input stride of each output axis
    var out = [T]()
    out.reserveCapacity(values.count)
    if values.isEmpty { return out }
    var index = [Int](repeating: 0, count: d)
    var offset = 0
    let last = d - 1
    let innerStride = strideOfOutAxis[last], innerCount = outShape[last]
    while true {
        var o = offset
        for _ in 0..<innerCount { out.append(values[o]); o += innerStride }
        // Advance the multi-index over the outer axes.
        var k = last - 1
        while k >= 0 {
            index[k] += 1
            offset += strideOfOutAxis[k]
            if index[k] < outShape[k] { break }
            offset -= strideOfOutAxis[k] * outShape[k]
            index[k] = 0
            k -= 1
        }
        if k < 0 { break }
    }
    return out
}
