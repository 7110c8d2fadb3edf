import TensorCore
import Foundation
import Testing
import TestSupport
@testable import ReferenceLM

/// GGUF loading: stories260K.gguf against the llama2.c file, SmolLM2 against its committed peers
/// (`Fixtures/reflm/smollm2_reference.py`: HF `tokenizers` ids, float32 numpy forward on gguf-py's
/// dequantized weights).
@Suite struct ReferenceLMGGUFTests {
    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.gguf") != nil
                   && TestPaths.sharedCorpus("tinystories_val.txt") != nil, "needs ../shared"))
    func stories260KGGUFMatchesTheBinFile() throws {
        let gguf = try LanguageModel.load(path: try #require(TestPaths.sharedModel("stories260K/stories260K.gguf")))
        let bin = try LanguageModel.load(path: try #require(TestPaths.sharedModel("stories260K/stories260K.bin")))
        #expect(gguf.format == "GGUF v3")
        #expect(gguf.model.config == bin.model.config)
        let tokens = try FixtureReader.int32(TestPaths.fixture("reflm/tokens.i32")).map(Int.init)
        var c1 = gguf.model.makeCache(), c2 = bin.model.makeCache()
        let a = try gguf.model.forward(tokens, cache: &c1)
        let b = try bin.model.forward(tokens, cache: &c2)
        #expect(Approximate.maxAbsDiff(a, b) <= 1e-5)
        // The GGUF SentencePiece-style vocabulary tokenizes like tok512.bin (the numpy port's ids).
        let text = try String(contentsOfFile: try #require(TestPaths.sharedCorpus("tinystories_val.txt")), encoding: .utf8)
        let golden = try FixtureReader.int32(TestPaths.fixture("reflm/val_tokens.i32")).map(Int.init)
        let ids = gguf.tokenizer.encode(text, addBOS: false)
        #expect(Array(ids.prefix(golden.count)) == golden)
        #expect(ids == bin.tokenizer.encode(text, addBOS: false))
        #expect(gguf.tokenizer.decode([1] + golden.prefix(200)) == bin.tokenizer.decode([1] + golden.prefix(200)))
    }

    struct TokenGolden: Decodable {
        struct Sample: Decodable { var text: String; var ids: [Int] }
        struct Prefix: Decodable { var chars: Int; var ids: [Int] }
        var peer: String
        var samples: [Sample]
        var tinystories_prefix: Prefix
        var shakespeare_prefix: Prefix
    }

    struct ForwardGolden: Decodable {
        struct PPL: Decodable { var context: Int; var tokens: Int; var mean_nll: Double; var perplexity: Double }
        var tokens: [Int]
        var logit_stride: Int
        var argmax: [Int]
        var logsumexp: [Double]
        var perplexity: PPL
    }

    static func prefix(_ corpus: String, _ chars: Int) throws -> String {
        let text = try String(contentsOfFile: try #require(TestPaths.sharedCorpus(corpus)), encoding: .utf8)
        return String(text.prefix(chars))
    }

    @Test(.enabled(if: TestPaths.smolLM2 != nil && TestPaths.sharedCorpus("tinystories_val.txt") != nil,
                   "needs Models/cache/SmolLM2 (scripts/setup) and ../shared/corpus"))
    func smolLM2MatchesNumpyAndHFTokenizers() throws {
        let lm = try LanguageModel.load(path: try #require(TestPaths.smolLM2))
        #expect(lm.model.config == LlamaConfig(dim: 576, hiddenDim: 1536, layerCount: 30, headCount: 9, kvHeadCount: 3,
                                               vocabSize: 49152, contextLength: 8192, rmsNormEpsilon: 1e-5,
                                               ropeFrequencyBase: 100_000, ropeLayout: .adjacentPairs))
        #expect(lm.model.tiedOutput)
        // Tokenizer: ids equal the HF tokenizers peer; decode is exact.
        let tg = try FixtureReader.json(TokenGolden.self, TestPaths.fixture("reflm/smollm2_tokens.json"))
        for s in tg.samples {
            let ids = lm.tokenizer.encode(s.text, addBOS: false)
            #expect(ids == s.ids, "\(s.text.debugDescription)")
            #expect(lm.tokenizer.decode(ids) == s.text)
        }
        let stories = try Self.prefix("tinystories_val.txt", tg.tinystories_prefix.chars)
        #expect(lm.tokenizer.encode(stories, addBOS: false) == tg.tinystories_prefix.ids)
        if TestPaths.sharedCorpus("tinyshakespeare.txt") != nil {
            let shakes = try Self.prefix("tinyshakespeare.txt", tg.shakespeare_prefix.chars)
            let ids = lm.tokenizer.encode(shakes, addBOS: false)
            #expect(ids == tg.shakespeare_prefix.ids)
            #expect(lm.tokenizer.decode(ids) == shakes)
        }
        // Forward: sampled logit columns, arg-max and log-sum-exp per position vs float32 numpy.
        let fg = try FixtureReader.json(ForwardGolden.self, TestPaths.fixture("reflm/smollm2_reference.json"))
        var cache = lm.model.makeCache(capacity: 256)
        let logits = try lm.model.forward(fg.tokens, cache: &cache)
        let V = lm.model.config.vocabSize
        let golden = try FixtureReader.float32(TestPaths.fixture("reflm/smollm2_logits.f32"))
        var sampled: [Float] = []
        for t in fg.tokens.indices { for j in stride(from: 0, to: V, by: fg.logit_stride) { sampled.append(logits[t * V + j]) } }
        #expect(Approximate.maxAbsDiff(sampled, golden) <= 1e-3)
        for t in fg.tokens.indices {
            let row = logits[t * V ..< (t + 1) * V]
            #expect(row.indices.max { row[$0] < row[$1] }! - t * V == fg.argmax[t])
            let m = Double(row.max()!)
            let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
            #expect(abs(lse - fg.logsumexp[t]) <= 1e-3)
        }
        // Perplexity by the protocol, on the same tokens as the peer.
        let bos = try #require(lm.tokenizer.bosID)
        let r = try Perplexity.evaluate(model: lm.model, tokens: tg.tinystories_prefix.ids, bos: bos,
                                        context: fg.perplexity.context, maxTokens: fg.perplexity.tokens)
        #expect(r.tokens == fg.perplexity.tokens)
        #expect(abs(r.perplexity / fg.perplexity.perplexity - 1) <= 0.005)
    }

    @Test func gpt2PreTokenizerSplitsLikeTheRegex() {
        // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+, digits split first.
        #expect(GPT2Tokenizer.preTokenize("Hi  there, it's 42!\n\nok", digitsFirst: true)
                == ["Hi", " ", " there", ",", " it", "'s", " ", "4", "2", "!", "\n", "\n", "ok"])
        #expect(GPT2Tokenizer.preTokenize("Hi  there 42", digitsFirst: false) == ["Hi", " ", " there", " 42"])
        #expect(GPT2Tokenizer.preTokenize("end   ", digitsFirst: false) == ["end", "   "])
    }
}

/// `tokenizer.json` loading against the Hugging Face `tokenizers` library (Fixtures/reflm/hf_bpe).
@Suite struct HFTokenizerJSONTests {
    struct Golden: Decodable {
        struct Sample: Decodable { var text: String; var ids: [Int] }
        var samples: [Sample]
    }

    @Test func byteLevelBPEFromTokenizerJSONMatchesHFTokenizers() throws {
        let tok = try GPT2Tokenizer(huggingFaceTokenizerPath: TestPaths.fixture("reflm/hf_bpe/tokenizer.json"), bosID: 1, eosID: 2)
        #expect(tok.vocabularySize == 400)
        let golden = try FixtureReader.json(Golden.self, TestPaths.fixture("reflm/hf_bpe/golden.json"))
        #expect(golden.samples.count == 5)
        for s in golden.samples {
            let ids = tok.encode(s.text, addBOS: false)
            #expect(ids == s.ids, "\(s.text.debugDescription)")
            #expect(tok.decode(ids) == s.text)
        }
        #expect(tok.encode("a", addBOS: true).first == 1)
        #expect(throws: ReferenceLMError.self) {
            try GPT2Tokenizer(huggingFaceTokenizerPath: TestPaths.fixture("reflm/hf_bpe/golden.json"), bosID: nil, eosID: nil)
        }
    }
}

/// Byte-level BPE decodes exactly what it encoded, for any text (seeded random strings).
@Suite struct ByteLevelRoundTripTests {
    static func randomText(_ rng: inout SplitMix64, length: Int) -> String {
        let pools: [[Unicode.Scalar]] = [
            Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars), Array("0123456789".unicodeScalars),
            Array(" \t\n\r  ".unicodeScalars), Array(".,;:!?'\"()[]{}<>-_/\\@#$%^&*+=~`|".unicodeScalars),
            Array("éüßçñøåæœ€£¥—“”‘’…°±×÷".unicodeScalars), Array("日本語中文한국어кириллица".unicodeScalars),
            ["\u{1F642}", "\u{1F44D}", "\u{1F3FD}", "\u{200D}", "\u{0301}", "\u{FEFF}", "\u{0000}", "\u{7F}"],
        ]
        var s = String.UnicodeScalarView()
        for _ in 0..<length {
            let pool = pools[Int(rng.next() % UInt64(pools.count))]
            s.append(pool[Int(rng.next() % UInt64(pool.count))])
        }
        return String(s)
    }

    @Test func tokenizerJSONRoundTripsRandomText() throws {
        let tok = try GPT2Tokenizer(huggingFaceTokenizerPath: TestPaths.fixture("reflm/hf_bpe/tokenizer.json"), bosID: nil, eosID: nil)
        var rng = SplitMix64(seed: 2026)
        for n in 0..<200 {
            let s = Self.randomText(&rng, length: n % 60)
            let ids = tok.encode(s, addBOS: false)
            #expect(ids.allSatisfy { $0 >= 0 && $0 < tok.vocabularySize })
            #expect(Array(tok.decode(ids).utf8) == Array(s.utf8), "\(s.debugDescription)")
        }
    }

    @Test(.enabled(if: TestPaths.smolLM2 != nil, "needs Models/cache/SmolLM2 (scripts/setup)"))
    func smolLM2RoundTripsRandomText() throws {
        let lm = try LanguageModel.load(path: try #require(TestPaths.smolLM2))
        var rng = SplitMix64(seed: 7)
        for n in 0..<100 {
            let s = Self.randomText(&rng, length: 1 + n % 80)
            #expect(Array(lm.tokenizer.decode(lm.tokenizer.encode(s, addBOS: false)).utf8) == Array(s.utf8), "\(s.debugDescription)")
        }
    }
}

@Suite struct SentencePieceRoundTripTests {
    @Test(.enabled(if: TestPaths.sharedModel("stories260K/tok512.bin") != nil, "needs ../shared/models"))
    func llama2CTokenizerRoundTripsRandomText() throws {
        let tok = try Llama2CTokenizer(path: try #require(TestPaths.sharedModel("stories260K/tok512.bin")), vocabSize: 512)
        var rng = SplitMix64(seed: 99)
        for n in 0..<200 {
            let s = ByteLevelRoundTripTests.randomText(&rng, length: n % 50)
            let ids = tok.encode(s, addBOS: true)
            #expect(ids.first == 1 && ids.dropFirst().allSatisfy { $0 > 2 && $0 < 512 })
            #expect(Array(tok.decode(ids).utf8) == Array(s.utf8), "\(s.debugDescription)")
        }
    }
}
