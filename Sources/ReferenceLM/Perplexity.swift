import Foundation

/// Perplexity of a model on a token stream, by one fixed protocol (docs/EVALUATION.md):
///
/// 1. The text is tokenized without BOS (the caller does this) and cut to its first `maxTokens` tokens.
/// 2. The stream is cut into consecutive, non-overlapping windows of `context − 1` tokens (the last
///    window may be shorter).
/// 3. Each window `w` is run as `[BOS] + w` (minus its last token, whose prediction is not needed)
///    with a fresh KV cache; every token of `w` is scored, the first one predicted from BOS alone.
/// 4. `meanNLL = −(1/N) Σ log softmax(logits)[target]` over all N scored tokens (log-sum-exp in
///    Float64), and `perplexity = exp(meanNLL)`.
public enum Perplexity {
    /// Evaluates `model` on `tokens` (already tokenized, no BOS) with `threads` workers (default
    /// `BLAS.threadCount`; see `LlamaModel.hiddenStates`).
    public static func evaluate(model: LlamaModel, tokens: [Int], bos: Int, context: Int = 256,
                                maxTokens: Int? = nil, threads: Int? = nil) throws -> PerplexityResult {
        guard context >= 2 else { throw ReferenceLMError.invalidArgument("context must be at least 2, got \(context)") }
        if let maxTokens, maxTokens < 1 { throw ReferenceLMError.invalidArgument("max-tokens must be positive, got \(maxTokens)") }
        let stream = Array(tokens.prefix(maxTokens ?? tokens.count))
        guard !stream.isEmpty else { throw ReferenceLMError.invalidArgument("no tokens to evaluate") }
        let window = context - 1
        var cache = model.makeCache(capacity: context)
        var nll = 0.0, windows = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var begin = 0
        while begin < stream.count {
            let w = Array(stream[begin ..< min(begin + window, stream.count)])
            cache.reset()
            let hidden = try model.hiddenStates([bos] + w.dropLast(), cache: &cache, threads: threads)  // (w.count, D)
            // The head runs block by block over the vocabulary with a streaming log-sum-exp:
            // (T, V) logits are never held.
            for v in try model.negativeLogLikelihoods(finalHidden: hidden, targets: w, threads: threads) { nll += v }
            windows += 1
            begin += window
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let mean = nll / Double(stream.count)
        return PerplexityResult(context: context, tokens: stream.count, windows: windows, meanNLL: mean,
                                perplexity: Foundation.exp(mean), seconds: seconds,
                                tokensPerSecond: seconds > 0 ? Double(stream.count) / seconds : 0)
    }

    /// `logsumexp(logits) − logits[target]`: the maximum is subtracted first, each `exp` is taken in
    /// Float32 (arguments ≤ 0, relative error ~1e-7) and summed in Float64.
    public static func negativeLogLikelihood(_ logits: ArraySlice<Float>, target: Int) -> Double {
        var m = -Float.infinity
        for v in logits { m = max(m, v) }
        var s = 0.0
        for v in logits { s += Double(Foundation.exp(v - m)) }
        return Double(m) + Foundation.log(s) - Double(logits[logits.startIndex + target])
    }
}
