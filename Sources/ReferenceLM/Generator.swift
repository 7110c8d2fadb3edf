import TensorCore
import Foundation

/// Autoregressive generation: the prompt runs as one batched window, then one token per step with
/// the KV cache.
public enum Generator {
    /// New token ids following `prompt` (which should start with BOS for llama-style models).
    public static func generate(model: LlamaModel, prompt: [Int], options: GenerationOptions,
                                stopIDs: Set<Int> = []) throws -> [Int] {
        guard !prompt.isEmpty else { throw ReferenceLMError.invalidArgument("the prompt has no tokens") }
        guard options.maxNewTokens >= 0 else { throw ReferenceLMError.invalidArgument("maxNewTokens must be ≥ 0") }
        guard options.temperature.isFinite, options.temperature >= 0 else {
            throw ReferenceLMError.invalidArgument("temperature must be finite and ≥ 0")
        }
        let capacity = min(prompt.count + options.maxNewTokens, model.config.contextLength)
        guard prompt.count <= capacity else {
            throw ReferenceLMError.contextOverflow(position: prompt.count, capacity: model.config.contextLength)
        }
        var cache = model.makeCache(capacity: capacity)
        var rng = SplitMix64(seed: options.seed)
        var logits = try model.forward(prompt, cache: &cache, lastOnly: true)
        var out: [Int] = []
        while out.count < options.maxNewTokens {
            let next = options.temperature == 0 ? argmax(logits) : sample(logits, temperature: options.temperature, rng: &rng)
            if options.stopAtEndOfSequence, stopIDs.contains(next) { break }
            out.append(next)
            if cache.count >= cache.capacity { break }
            logits = try model.forward([next], cache: &cache, lastOnly: true)
        }
        return out
    }

    /// Index of the largest logit (first on ties).
    static func argmax(_ v: [Float]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }

    /// Draws from `softmax(v / temperature)` by inverse CDF with one uniform from `rng`.
    static func sample(_ v: [Float], temperature: Float, rng: inout SplitMix64) -> Int {
        let m = Double(v.max() ?? 0)
        let w = v.map { Foundation.exp((Double($0) - m) / Double(temperature)) }
        let total = w.reduce(0, +)
        let u = rng.nextUnit() * total
        var acc = 0.0
        for (i, x) in w.enumerated() {
            acc += x
            if u < acc { return i }
        }
        return v.count - 1
    }
}
