import TensorCore
/// Runs calibration text through a model with an `ActivationRecorder` attached.
public enum Calibration {
    /// Feeds the first `maxTokens` of `tokens` in windows `[BOS] + (ctx − 1 tokens)` (fresh cache
    /// each, as in `Perplexity`), recording every linear layer's inputs. Returns the text tokens used;
    /// the recorder also counts the BOS row of each window. `progress` hears the text tokens done
    /// after each window (label "calibrate").
    @discardableResult
    public static func run(model: LlamaModel, tokens: [Int], bos: Int, context: Int, maxTokens: Int,
                           recorder: ActivationRecorder, progress: ProgressReporter? = nil) throws -> Int {
        guard context >= 2, maxTokens >= 1 else { throw ReferenceLMError.invalidArgument("context ≥ 2 and tokens ≥ 1 required") }
        let stream = Array(tokens.prefix(maxTokens))
        guard !stream.isEmpty else { throw ReferenceLMError.invalidArgument("no calibration tokens") }
        var cache = model.makeCache(capacity: context)
        var begin = 0
        while begin < stream.count {
            progress?.update(completed: begin, total: stream.count, label: "calibrate")
            cache.reset()
            _ = try model.forward([bos] + stream[begin ..< min(begin + context - 1, stream.count)], cache: &cache,
                                  recorder: recorder)
            begin += context - 1
        }
        progress?.update(completed: stream.count, total: stream.count, label: "calibrate")
        return stream.count
    }
}
