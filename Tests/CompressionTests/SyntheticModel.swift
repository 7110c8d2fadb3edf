import Foundation
import LinearAlgebra
import TensorCore
import TestSupport
import WeightFormats
@testable import Compression
import Decomposition

/// A small Llama-shaped checkpoint written as safetensors (HF names), with non-flat spectra
/// (W = G₁G₂ + 0.1·G₃, Gaussian, seeded), and calibration inputs X per linear layer.
enum SyntheticModel {
    static let dim = 24, hidden = 40, kvDim = 12, vocab = 32

    static func linearShapes(layers: Int) -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            out += [(p + "self_attn.q_proj.weight", [dim, dim]), (p + "self_attn.k_proj.weight", [kvDim, dim]),
                    (p + "self_attn.v_proj.weight", [kvDim, dim]), (p + "self_attn.o_proj.weight", [dim, dim]),
                    (p + "mlp.gate_proj.weight", [hidden, dim]), (p + "mlp.up_proj.weight", [hidden, dim]),
                    (p + "mlp.down_proj.weight", [dim, hidden])]
        }
        return out
    }

    static func shapes(layers: Int) -> [(String, [Int])] {
        var out: [(String, [Int])] = [("model.embed_tokens.weight", [vocab, dim])]
        for l in 0..<layers {
            out += [("model.layers.\(l).input_layernorm.weight", [dim]), ("model.layers.\(l).post_attention_layernorm.weight", [dim])]
        }
        out += linearShapes(layers: layers)
        out += [("model.norm.weight", [dim]), ("lm_head.weight", [vocab, dim])]
        return out
    }

    static func matrix(_ m: Int, _ n: Int, _ g: inout SeededGenerator) throws -> [Float] {
        let r = max(2, min(m, n) / 3)
        let a = g.gaussianMatrix(rows: m, columns: r, as: Float.self), b = g.gaussianMatrix(rows: r, columns: n, as: Float.self)
        let c = g.gaussianMatrix(rows: m, columns: n, as: Float.self)
        let ab = try a.multiplied(by: b)
        return zip(ab.values, c.values).map { $0 / Float(r) + 0.1 * $1 }
    }

    /// Writes the model; `nanIn` plants a NaN at element 5 of that tensor, `plant` the given values
    /// at the given flat indices.
    static func write(to dir: URL, layers: Int = 2, seed: UInt64 = 7, nanIn: String? = nil, plant: [String: [Int: Float]] = [:],
                      name: String = "model.safetensors") throws -> String {
        var g = SeededGenerator(seed: seed)
        var tensors: [(name: String, tensor: Tensor)] = []
        for (n, s) in shapes(layers: layers) {
            var v: [Float] = s.count == 1 ? (0..<s[0]).map { _ in 1 + 0.1 * Float(g.nextGaussian()) } : try matrix(s[0], s[1], &g)
            if n == nanIn { v[5] = .nan }
            for (i, x) in plant[n] ?? [:] { v[i] = x }
            tensors.append((n, Tensor(shape: s, storage: v)!))
        }
        let path = dir.appendingPathComponent(name).path
        try SafeTensorsWriter.write(path: path, tensors: tensors, dtype: .f32)
        return path
    }

    /// Calibration inputs (T×n, correlated features) for every linear layer, and their statistics.
    static func calibration(layers: Int = 2, tokens: Int = 200, seed: UInt64 = 11) throws -> (CalibrationSet, [String: Matrix<Double>]) {
        var g = SeededGenerator(seed: seed)
        var groups: [String: CalibrationStatistics] = [:]
        var inputs: [String: Matrix<Double>] = [:]
        for (name, s) in linearShapes(layers: layers) {
            let n = s[1]
            let z = g.gaussianMatrix(rows: tokens, columns: n, as: Double.self)
            var mix = g.gaussianMatrix(rows: n, columns: n, as: Double.self)
            for i in 0..<n { mix[i, i] += 3 }
            let x = try z.multiplied(by: mix)
            inputs[name] = x
            groups[String(name.dropLast(".weight".count))] = try CalibrationStatistics(inputs: x)
        }
        return (CalibrationSet(groups: groups, tokens: tokens, textSHA256: "synthetic"), inputs)
    }
}

