import AlloneCompress
import Foundation

/// The perplexity measurement of `eval`, shared with `compress --eval`: the text is tokenized
/// without BOS, cut to its first `maxTokens` tokens and scored in windows of `context − 1` tokens
/// after BOS (`Perplexity.evaluate`, docs/EVALUATION.md). Both commands go through here, so a
/// figure printed by `compress` is the one `eval` prints for the same file, text and options.
enum TextPerplexity {
    /// Perplexity of `lm` on `body` (the contents of `textPath`, named in errors).
    static func measure(_ lm: LanguageModel, text body: String, textPath: String, context: Int,
                        maxTokens: Int?) throws -> PerplexityResult {
        guard let bos = lm.tokenizer.bosID else { throw CLIFailure.badInput("\(lm.path): the tokenizer has no BOS token") }
        guard context <= lm.model.config.contextLength else {
            throw CLIFailure.badInput("a window of \(context) tokens exceeds the context length \(lm.model.config.contextLength) of \(lm.path)")
        }
        let tokens = lm.tokenizer.encode(body, addBOS: false)
        guard !tokens.isEmpty else { throw CLIFailure.badInput("\(textPath): no text to evaluate (the file is empty)") }
        return try Perplexity.evaluate(model: lm.model, tokens: tokens, bos: bos, context: context, maxTokens: maxTokens)
    }

    /// The canonical absolute path of an existing file (symbolic links, `.` and `..` resolved),
    /// or nil: two paths name the same file exactly when their real paths are equal.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
