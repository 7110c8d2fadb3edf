import Foundation

extension LlamaModel {
    /// The same function as `forward` from position 0, computed the way llama2.c's `run.c` does it:
    /// one token at a time, plain loops, no BLAS, its own cache. Returns logits (T, V). Slow; the
    /// tests compare `forward` against it (agreement ≤ 1e-4 on stories260K).
    public func referenceForward(_ tokens: [Int]) throws -> [Float] {
        let c = config
        let (D, H, V, KV, hs) = (c.dim, c.hiddenDim, c.vocabSize, c.kvDim, c.headSize)
        let group = c.headCount / c.kvHeadCount
        for t in tokens where t < 0 || t >= V { throw ReferenceLMError.tokenOutOfRange(token: t, vocabularySize: V) }
        var keyCache = [[Float]](repeating: [], count: c.layerCount)    // per layer, (pos, KV) appended
        var valueCache = [[Float]](repeating: [], count: c.layerCount)  // per layer, (pos, KV) appended
        var logits: [Float] = []                                        // (T, V)

        func norm(_ x: [Float], _ g: [Float]) -> [Float] {
            var ss: Float = 0
            for v in x { ss += v * v }
            let s = 1 / (ss / Float(D) + c.rmsNormEpsilon).squareRoot()
            return (0..<D).map { x[$0] * s * g[$0] }
        }
        func rope(_ v: inout [Float], _ pos: Int) {
            for h in 0..<(v.count / hs) {
                for i in 0..<(hs / 2) {
                    let a = Double(pos) * inverseFrequencies[i]
                    let (cr, ci) = (Float(Foundation.cos(a)), Float(Foundation.sin(a)))
                    let (i0, i1) = c.ropeLayout == .adjacentPairs ? (h * hs + 2 * i, h * hs + 2 * i + 1) : (h * hs + i, h * hs + i + hs / 2)
                    let (x0, x1) = (v[i0], v[i1])
                    v[i0] = x0 * cr - x1 * ci
                    v[i1] = x0 * ci + x1 * cr
                }
            }
        }

        for (pos, token) in tokens.enumerated() {
            var x = Array(tokenEmbedding.storage[token * D ..< (token + 1) * D])  // (D)
            for (l, b) in blocks.enumerated() {
                let xb = norm(x, b.attnNorm)
                var q = try b.attnQ.referenceApply(xb[...])  // (D)
                var k = try b.attnK.referenceApply(xb[...])  // (KV)
                let v = try b.attnV.referenceApply(xb[...])  // (KV)
                rope(&q, pos)
                rope(&k, pos)
                keyCache[l] += k
                valueCache[l] += v
                var out = [Float](repeating: 0, count: D)  // (D) heads side by side
                for h in 0..<c.headCount {
                    let kvOff = (h / group) * hs
                    var att = [Float](repeating: 0, count: pos + 1)
                    for j in 0...pos {
                        var s: Float = 0
                        for i in 0..<hs { s += q[h * hs + i] * keyCache[l][j * KV + kvOff + i] }
                        att[j] = s / Float(hs).squareRoot()
                    }
                    let m = att.max()!
                    var sum: Float = 0
                    for j in 0...pos { att[j] = Foundation.exp(att[j] - m); sum += att[j] }
                    for j in 0...pos {
                        let a = att[j] / sum
                        for i in 0..<hs { out[h * hs + i] += a * valueCache[l][j * KV + kvOff + i] }
                    }
                }
                let o = try b.attnOutput.referenceApply(out[...])
                for i in 0..<D { x[i] += o[i] }
                let xb2 = norm(x, b.ffnNorm)
                let g = try b.ffnGate.referenceApply(xb2[...])
                let u = try b.ffnUp.referenceApply(xb2[...])
                var hb = [Float](repeating: 0, count: H)  // (H)
                for i in 0..<H { hb[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] }
                let d = try b.ffnDown.referenceApply(hb[...])
                for i in 0..<D { x[i] += d[i] }
            }
            logits += try output.referenceApply(norm(x, outputNorm)[...])
        }
        return logits
    }
}
