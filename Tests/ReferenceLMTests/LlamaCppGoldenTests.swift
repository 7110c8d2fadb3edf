import Foundation
import Testing
import TestSupport
@testable import ReferenceLM

/// Token ids, logits and perplexities against llama.cpp (llama-cpp-python), computed once by
/// `Fixtures/reflm/llamacpp_reference.py`.
@Suite struct LlamaCppGoldenTests {
    struct Sample: Decodable { var text: String; var ids: [Int] }
    struct Prefix: Decodable { var chars: Int; var ids: [Int] }
    struct PPL: Decodable { var context: Int; var tokens: Int; var perplexity: Double }
    struct Stories: Decodable { var prompt_ids: [Int]; var tinystories_prefix: Prefix; var perplexity_ctx256: PPL }
    struct Smol: Decodable { var samples: [Sample]; var tinystories_prefix: Prefix; var shakespeare_prefix: Prefix; var perplexity_ctx256: PPL }
    struct Golden: Decodable { var peer: String; var stories260K: Stories; var smollm2: Smol }

    static let golden = try? FixtureReader.json(Golden.self, TestPaths.fixture("reflm/llamacpp_reference.json"))

    static func text(_ corpus: String, _ chars: Int) throws -> String {
        String(try String(contentsOfFile: try #require(TestPaths.sharedCorpus(corpus)), encoding: .utf8).prefix(chars))
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.gguf") != nil && TestPaths.sharedCorpus("tinystories_val.txt") != nil, "needs ../shared"))
    func stories260KMatchesLlamaCpp() throws {
        let g = try #require(Self.golden)
        let lm = try LanguageModel.load(path: try #require(TestPaths.sharedModel("stories260K/stories260K.gguf")))
        let tokens = try FixtureReader.int32(TestPaths.fixture("reflm/tokens.i32")).map(Int.init)
        #expect(Array(tokens.dropFirst()) == g.stories260K.prompt_ids)
        #expect(lm.tokenizer.encode(try Self.text("tinystories_val.txt", g.stories260K.tinystories_prefix.chars), addBOS: false)
                == g.stories260K.tinystories_prefix.ids)
        var cache = lm.model.makeCache()
        let logits = try lm.model.forward(tokens, cache: &cache)
        let theirs = try FixtureReader.float32(TestPaths.fixture("reflm/llamacpp_stories260K_logits.f32"))
        #expect(Approximate.maxAbsDiff(logits, theirs) <= 1e-3)
        let stream = lm.tokenizer.encode(try String(contentsOfFile: try #require(TestPaths.sharedCorpus("tinystories_val.txt")), encoding: .utf8), addBOS: false)
        let r = try Perplexity.evaluate(model: lm.model, tokens: stream, bos: 1, context: 256, maxTokens: g.stories260K.perplexity_ctx256.tokens)
        #expect(abs(r.perplexity / g.stories260K.perplexity_ctx256.perplexity - 1) <= 0.005)
    }

    @Test(.enabled(if: TestPaths.smolLM2 != nil && TestPaths.sharedCorpus("tinyshakespeare.txt") != nil, "needs SmolLM2 and ../shared"))
    func smolLM2TokenizesLikeLlamaCpp() throws {
        let g = try #require(Self.golden)
        let lm = try LanguageModel.load(path: try #require(TestPaths.smolLM2))
        for s in g.smollm2.samples { #expect(lm.tokenizer.encode(s.text, addBOS: false) == s.ids, "\(s.text.debugDescription)") }
        #expect(lm.tokenizer.encode(try Self.text("tinystories_val.txt", 20000), addBOS: false) == g.smollm2.tinystories_prefix.ids)
        #expect(lm.tokenizer.encode(try Self.text("tinyshakespeare.txt", 20000), addBOS: false) == g.smollm2.shakespeare_prefix.ids)
        // llama.cpp rounds activations to 8 bits for its Q4_1/Q8_0 products, so its perplexity moves:
        // measured 9.0207 vs our float32 8.9805 (0.45 %); the issue expects within about 2 %.
        let r = try Perplexity.evaluate(model: lm.model, tokens: g.smollm2.tinystories_prefix.ids, bos: 1, context: 256,
                                        maxTokens: g.smollm2.perplexity_ctx256.tokens)
        #expect(abs(r.perplexity / g.smollm2.perplexity_ctx256.perplexity - 1) <= 0.02)
    }
}
