import Foundation
import TensorCore
import Testing
import TestSupport
@testable import WeightFormats

/// The layouts `DenseExport` writes for other tools: Hugging Face Llama names, rotate-half Q/K rows
/// and `config.json` for safetensors; a tokenizer llama.cpp can load for GGUF.
@Suite struct DenseExportLayoutTests {
    static let bin = TestPaths.sharedModel("stories260K/stories260K.bin")
    static let gguf = TestPaths.sharedModel("stories260K/stories260K.gguf")
    static let tok = TestPaths.sharedModel("stories260K/tok512.bin")

    /// Closed form for one head of size 4: HF row j·2 + i is GGUF row 2i + j, i.e. HF = GGUF rows [0, 2, 1, 3].
    @Test func ropeRowPermutationMatchesTheClosedForm() throws {
        let t = try #require(Tensor(shape: [8, 2], storage: (0..<16).map(Float.init)))  // 2 heads of 4 rows
        let hf = try RoPERowPermutation.apply(.ggufToHuggingFace, to: t, heads: 2, file: "t", name: "q")
        #expect(hf.storage == [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15])
        #expect(try RoPERowPermutation.apply(.huggingFaceToGGUF, to: hf, heads: 2, file: "t", name: "q") == t)
        #expect(throws: WeightFormatError.self) { try RoPERowPermutation.apply(.ggufToHuggingFace, to: t, heads: 3, file: "t", name: "q") }
        #expect(throws: WeightFormatError.self) { try RoPERowPermutation.apply(.ggufToHuggingFace, to: t, heads: 8, file: "t", name: "q") }
    }

    @Test func huggingFaceNamesInvertTheRoleMapping() {
        for kind in TensorRole.Kind.allCases {
            for layer in [nil, 3] as [Int?] {
                let role = TensorRole(layer: layer, kind: kind)
                guard let name = role.huggingFaceLlamaName else { continue }
                #expect(TensorRole(name: name) == role, "\(name)")
            }
        }
        #expect(TensorRole(layer: 3, kind: .attnQ).huggingFaceLlamaName == "model.layers.3.self_attn.q_proj.weight")
        #expect(TensorRole(layer: nil, kind: .output).huggingFaceLlamaName == "lm_head.weight")
        #expect(TensorRole(layer: 0, kind: .attnQKV).huggingFaceLlamaName == nil)
    }

    /// The llama2.c vocabulary converted to GGUF keys equals, value for value, what gguf-py wrote into
    /// stories260K.gguf from the same tok512.bin.
    @Test(.enabled(if: tok != nil && gguf != nil, "needs ../shared/models/stories260K"))
    func llama2CTokenizerConvertsAsGGUFPyDid() throws {
        let keys = try Llama2CTokenizerFile(path: Self.tok!, vocabSize: 512).ggufTokenizerMetadata(path: Self.tok!)
        let reference = try GGUFFile(path: Self.gguf!)
        #expect(keys.map(\.key) == reference.metadataKeys.filter { $0.hasPrefix("tokenizer.") })
        for (k, v) in keys { #expect(v == reference.metadata[k], "\(k)") }
    }

    /// GGUF → HF safetensors: every name is the HF Llama name, Q/K rows moved back by llama.cpp's
    /// permutation give the source bit for bit, other tensors are copied, and config.json describes the model.
    @Test(.enabled(if: gguf != nil, "needs ../shared/models/stories260K"))
    func ggufExportsToTheHuggingFaceLayout() throws {
        let src = try GGUFFile(path: Self.gguf!)
        let dir = TestPaths.temporaryDirectory("hf-export")
        let out = dir.appendingPathComponent("model.safetensors").path
        let r = try DenseExport.export(src, to: .safetensors, precision: .f32, path: out)
        #expect(r.huggingFaceNames)
        #expect(r.configPath == dir.appendingPathComponent("config.json").path)
        let back = try SafeTensorsFile(path: out)
        #expect(back.tensors.count == 47)
        var permuted = 0
        for t in src.tensors {
            let name = try #require(t.role?.huggingFaceLlamaName)
            var got = try back.float32(name)
            let heads = t.role?.kind == .attnQ ? 8 : t.role?.kind == .attnK ? 4 : nil
            if let heads {
                #expect(got != (try src.float32(t.name)), "\(name) was not permuted")
                got = try RoPERowPermutation.apply(.huggingFaceToGGUF, to: got, heads: heads, file: out, name: name)
                permuted += 1
            }
            #expect(Approximate.bitEqual(got.storage, try src.float32(t.name).storage), "\(name)")
        }
        #expect(permuted == 10)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: r.configPath!))) as? [String: Any])
        #expect(config["architectures"] as? [String] == ["LlamaForCausalLM"])
        #expect(config["hidden_size"] as? Int == 64 && config["intermediate_size"] as? Int == 172 && config["num_hidden_layers"] as? Int == 5)
        #expect(config["num_attention_heads"] as? Int == 8 && config["num_key_value_heads"] as? Int == 4 && config["vocab_size"] as? Int == 512)
        #expect(config["rms_norm_eps"] as? Double == 1e-5 && config["rope_theta"] as? Double == 10000)
        #expect(config["tie_word_embeddings"] as? Bool == true && config["max_position_embeddings"] as? Int == 512)
        #expect(config["bos_token_id"] as? Int == 1 && config["eos_token_id"] as? Int == 2)
    }

    /// GGUF → HF safetensors → GGUF gives back the source: the same names and tensors bit for bit
    /// (Q/K rows moved there and back), the same `llama.*` and tokenizer keys (the tokenizer taken
    /// from `tokenizerPath`). Without a tokenizer, or without the config.json, the HF export is refused.
    @Test(.enabled(if: gguf != nil, "needs ../shared/models/stories260K"))
    func huggingFaceExportConvertsBackToTheSameGGUF() throws {
        let src = try GGUFFile(path: Self.gguf!)
        let dir = TestPaths.temporaryDirectory("hf-roundtrip")
        let hfPath = dir.appendingPathComponent("model.safetensors").path
        try DenseExport.export(src, to: .safetensors, precision: .f32, path: hfPath)
        let hf = try SafeTensorsFile(path: hfPath)
        let back = dir.appendingPathComponent("back.gguf").path
        let r = try DenseExport.export(hf, to: .gguf, precision: .f32, path: back, tokenizerPath: Self.gguf!)
        #expect(r.tokenizer == Self.gguf!)
        let g = try GGUFFile(path: back)
        #expect(g.tensors.map(\.name).sorted() == src.tensors.map(\.name).sorted())
        for t in src.tensors {
            #expect(Approximate.bitEqual(try g.float32(t.name).storage, try src.float32(t.name).storage), "\(t.name)")
        }
        for k in src.metadataKeys where k.hasPrefix("llama.") || k.hasPrefix("tokenizer.") || k == "general.architecture" {
            #expect(g.metadata[k] == src.metadata[k], "\(k)")
        }
        #expect(throws: WeightFormatError.self) {
            try DenseExport.export(hf, to: .gguf, precision: .f32, path: dir.appendingPathComponent("no-tok.gguf").path)
        }
        try FileManager.default.removeItem(atPath: dir.appendingPathComponent("config.json").path)
        #expect(throws: WeightFormatError.invalid(file: hfPath, field: "config.json", offset: 0,
                                                  reason: "a Hugging Face checkpoint exports to GGUF with the config.json beside it, and there is none")) {
            try DenseExport.export(hf, to: .gguf, precision: .f32, path: dir.appendingPathComponent("no-config.gguf").path, tokenizerPath: Self.gguf!)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["back.gguf", "model.safetensors"])
    }

    /// A source whose names are not all Llama roles keeps its names and gets no config.json.
    @Test func nonLlamaSourcesKeepTheirNames() throws {
        let src = try GGUFFile(path: TestPaths.fixture("gguf/reader.gguf"))
        let dir = TestPaths.temporaryDirectory("hf-export-plain")
        let r = try DenseExport.export(src, to: .safetensors, precision: .f32, path: dir.appendingPathComponent("x.safetensors").path)
        #expect(!r.huggingFaceNames && r.configPath == nil)
        #expect(try SafeTensorsFile(path: r.path).tensors.map(\.name).sorted() == src.tensors.map(\.name).sorted())
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.safetensors"])
    }

    /// A llama2.c checkpoint without its tokenizer beside it: GGUF export is refused naming the file and
    /// the missing key, and leaves nothing; with `tokenizerPath` (tokenizer.bin or a GGUF) it carries
    /// the vocabulary; tok512.bin beside it is found on its own.
    @Test(.enabled(if: bin != nil && tok != nil && gguf != nil, "needs ../shared/models/stories260K"))
    func ggufExportNeedsATokenizer() throws {
        let dir = TestPaths.temporaryDirectory("tok-export")
        let lone = dir.appendingPathComponent("lone.bin").path
        try FileManager.default.copyItem(atPath: Self.bin!, toPath: lone)
        let out = dir.appendingPathComponent("o.gguf").path
        #expect(throws: WeightFormatError.invalid(file: lone, field: "tokenizer.ggml.model", offset: 0,
                                                  reason: "the checkpoint carries no tokenizer and neither tok512.bin nor tokenizer.bin lies beside it, "
                                                    + "so llama.cpp could not load the GGUF; pass --tokenizer (a llama2.c tokenizer.bin or a GGUF file with the vocabulary)")) {
            try DenseExport.export(try Llama2CCheckpoint(path: lone), to: .gguf, precision: .f32, path: out)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["lone.bin"])
        let reference = try GGUFFile(path: Self.gguf!)
        let tokenizerKeys = reference.metadataKeys.filter { $0.hasPrefix("tokenizer.") }
        for tokenizer in [Self.tok!, Self.gguf!] {
            let r = try DenseExport.export(try Llama2CCheckpoint(path: lone), to: .gguf, precision: .f32, path: out, tokenizerPath: tokenizer)
            #expect(r.tokenizer == tokenizer)
            let g = try GGUFFile(path: out)
            for k in tokenizerKeys { #expect(g.metadata[k] == reference.metadata[k], "\(k) from \(tokenizer)") }
        }
        try FileManager.default.copyItem(atPath: Self.tok!, toPath: dir.appendingPathComponent("tok512.bin").path)
        #expect(try DenseExport.export(try Llama2CCheckpoint(path: lone), to: .gguf, precision: .f32, path: out).tokenizer
                == dir.appendingPathComponent("tok512.bin").path)
        // A vocabulary of the wrong size is refused.
        let small = dir.appendingPathComponent("tokenizer-small.bin").path
        let raw = try Data(contentsOf: URL(fileURLWithPath: Self.tok!))
        try raw.prefix(4 + 3 * 9).write(to: URL(fileURLWithPath: small))  // max_token_length + 3 one-byte tokens
        #expect(throws: WeightFormatError.self) {
            try DenseExport.export(try Llama2CCheckpoint(path: lone), to: .gguf, precision: .f32, path: out, tokenizerPath: small)
        }
    }
}
