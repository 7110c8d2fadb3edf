import Foundation
import Testing
import TensorCore
import TestSupport
@testable import ReferenceLM
import WeightFormats

/// An HF-layout copy of stories260K (HF tensor names, Q/K rows permuted for rotate-half RoPE,
/// config.json) must give the llama2.c file's logits.
@Suite struct HuggingFaceLoadingTests {
    /// GGUF/llama2.c rows (per head: pairs 2i, 2i+1) → HF rows (per head: first halves, then second halves).
    static func toHF(_ w: Tensor, heads: Int) -> Tensor {
        let (rows, cols) = w.matrixShape!
        let hs = rows / heads
        var out = w
        for h in 0..<heads {
            for i in 0..<hs {
                let src = h * hs + (i < hs / 2 ? 2 * i : 2 * (i - hs / 2) + 1)
                for c in 0..<cols { out.storage[(h * hs + i) * cols + c] = w.storage[src * cols + c] }
            }
        }
        return out
    }

    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models"))
    func hfSafeTensorsCopyOfStories260KGivesTheSameLogits() throws {
        let binPath = try #require(TestPaths.sharedModel("stories260K/stories260K.bin"))
        let ck = try Llama2CCheckpoint(path: binPath)
        let h = ck.header
        let hfNames: [String: String] = [
            "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
            "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
            "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
        ]
        var tensors: [(name: String, tensor: Tensor)] = []
        for info in ck.tensors {
            var t = try ck.float32(info.name)
            let role = try #require(info.role)
            if role.kind == .attnQ { t = Self.toHF(t, heads: h.headCount) }
            if role.kind == .attnK { t = Self.toHF(t, heads: h.kvHeadCount) }
            let name: String
            switch role.kind {
            case .tokenEmbedding: name = "model.embed_tokens.weight"
            case .outputNorm: name = "model.norm.weight"
            default: name = "model.layers.\(role.layer!).\(hfNames[role.kind.rawValue]!).weight"
            }
            tensors.append((name, t))
        }
        let dir = TestPaths.temporaryDirectory("hf")
        try SafeTensorsWriter.write(path: dir.appendingPathComponent("model.safetensors").path, tensors: tensors, dtype: .f32)
        let config = """
            {"model_type": "llama", "hidden_size": \(h.dim), "intermediate_size": \(h.hiddenDim), "num_hidden_layers": \(h.layerCount),
             "num_attention_heads": \(h.headCount), "num_key_value_heads": \(h.kvHeadCount), "vocab_size": \(h.vocabSize),
             "max_position_embeddings": \(h.sequenceLength), "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
             "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": 2}
            """
        try Data(config.utf8).write(to: dir.appendingPathComponent("config.json"))
        let tok = try #require(TestPaths.sharedModel("stories260K/tok512.bin"))
        let hf = try LanguageModel.load(path: dir.appendingPathComponent("model.safetensors").path, tokenizerPath: tok)
        let bin = try LanguageModel.load(path: binPath)
        #expect(hf.model.config.ropeLayout == .rotateHalf)
        let tokens = try FixtureReader.int32(TestPaths.fixture("reflm/tokens.i32")).map(Int.init)
        var c1 = hf.model.makeCache(), c2 = bin.model.makeCache()
        #expect(Approximate.maxAbsDiff(try hf.model.forward(tokens, cache: &c1), try bin.model.forward(tokens, cache: &c2)) <= 1e-4)
        #expect(hf.tokenizer.encode("Once upon a time", addBOS: true) == bin.tokenizer.encode("Once upon a time", addBOS: true))
        // A config that contradicts the weights is refused with a typed error.
        try Data(config.replacingOccurrences(of: "\"num_hidden_layers\": \(h.layerCount)", with: "\"num_hidden_layers\": 7").utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: ReferenceLMError.self) {
            try LanguageModel.load(path: dir.appendingPathComponent("model.safetensors").path, tokenizerPath: tok)
        }
    }
}
