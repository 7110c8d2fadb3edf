import Foundation
import TensorCore
import Testing
import TestSupport
import WeightFormats
import Decomposition
@testable import Compression

/// Every bad input is refused with a typed error naming the file and the tensor, and no output.
@Suite struct CompressionRefusalTests {
    let dir = TestPaths.temporaryDirectory("refuse")

    @Test func checkpointWithoutBlockLinearsIsAnUnsupportedArchitecture() throws {
        let p = dir.appendingPathComponent("plain.safetensors").path
        try SafeTensorsWriter.write(path: p, tensors: [("encoder.conv.weight", Tensor(zeros: [4, 4])), ("model.norm.weight", Tensor(zeros: [4]))], dtype: .f32)
        #expect {
            _ = try Compressor(source: try Checkpoints.open(p))
        } throws: { e in
            guard case let CompressionError.unsupportedArchitecture(file, _) = e else { return false }
            return file == p
        }
    }

    /// A GGUF with one block's linear layers (llama.cpp names) declaring `architecture`.
    func writeGGUF(architecture: String) throws -> String {
        let p = dir.appendingPathComponent("\(architecture).gguf").path
        let names = ["blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.ffn_up.weight"]
        let w = try GGUFWriter(path: p, metadata: [("general.architecture", .string(architecture))],
                               tensors: names.map { .init(name: $0, shape: [8, 8], type: .f32) })
        for (i, n) in names.enumerated() { try w.write(n, values: (0..<64).map { Float(($0 * 7 + i) % 13) - 6 }) }
        try w.finish()
        return p
    }

    @Test func declaredArchitectureOtherThanLlamaIsRefusedUpFront() throws {
        // The same tensors: accepted as llama, refused as mamba, naming the file, the architecture and what is supported.
        _ = try Compressor(source: try Checkpoints.open(try writeGGUF(architecture: "llama")))
        let mamba = try writeGGUF(architecture: "mamba")
        #expect {
            _ = try Compressor(source: try Checkpoints.open(mamba))
        } throws: { e in
            guard case let CompressionError.unsupportedArchitecture(file, reason) = e else { return false }
            return file == mamba && reason.contains("general.architecture is 'mamba'") && reason.contains("supported: llama")
        }
        // Hugging Face: model_type of the config.json beside the safetensors.
        let src = try SyntheticModel.write(to: dir)
        let config = dir.appendingPathComponent("config.json")
        for (type, accepted) in [("mistral", true), ("llama", true), ("mamba", false), ("qwen2", false)] {
            try Data("{\"model_type\": \"\(type)\"}".utf8).write(to: config)
            if accepted {
                _ = try Compressor(source: try Checkpoints.open(src))
            } else {
                #expect {
                    _ = try Compressor(source: try Checkpoints.open(src))
                } throws: { e in
                    guard case let CompressionError.unsupportedArchitecture(file, reason) = e else { return false }
                    return file == src && reason.contains("config.json model_type is '\(type)'")
                }
            }
        }
    }

    @Test(arguments: [0.0, 1.0, -0.1, 1.5, Double.nan])
    func ratioOutsideTheOpenUnitIntervalIsRefused(ratio: Double) throws {
        let src = try SyntheticModel.write(to: dir)
        let out = dir.appendingPathComponent("o.safetensors").path
        #expect(throws: CompressionError.self) {
            try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(ratio)), to: out)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// Refit only applies to measurement-aware factors: with svd, asvd or tt it is refused rather than
    /// ignored while the manifest would record `"refit": true`.
    @Test(arguments: [CompressionMethod.svd, .asvd, .tt])
    func refitWithoutMeasurementAwareFactorsIsRefused(method: CompressionMethod) throws {
        #expect(throws: CompressionError.self) { try CompressionOptions(method: method, budget: .ratio(0.3), refit: true).validate() }
        try CompressionOptions(method: .masvd, budget: .ratio(0.3), refit: true).validate()
        try CompressionOptions(method: .auto, budget: .ratio(0.3), refit: true).validate()
    }

    /// An unreadable source is reported as such (not as a resume-journal problem).
    @Test func unreadableFileIsNamed() throws {
        let missing = dir.appendingPathComponent("nope.bin").path
        #expect { _ = try _fileSHA256(missing) } throws: { e in
            guard let c = e as? CompressionError, case let .unreadable(file, _) = c else { return false }
            return file == missing && c.description.contains("cannot read")
        }
    }

    @Test func byteBudgetBelowTheDenseTensorsIsRefused() throws {
        let src = try SyntheticModel.write(to: dir)
        #expect(throws: CompressionError.self) {
            try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .bytes(100)), to: dir.appendingPathComponent("o").path)
        }
    }

    @Test func nanWeightIsRefusedNamingTheTensor() throws {
        let bad = "model.layers.1.mlp.up_proj.weight"
        let src = try SyntheticModel.write(to: dir, nanIn: bad)
        let out = dir.appendingPathComponent("o.safetensors").path
        #expect(throws: CompressionError.nonFiniteTensors(file: src, tensors: [.init(name: bad, nanCount: 1, infinityCount: 0, firstIndex: 5)])) {
            try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(0.3)), to: out)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        // Found in pass 1, after `compress` made its spill folder: nothing is left in the journal
        // (the CLI removes the empty folder; see CompressCLITests).
        #expect(FileManager.default.subpaths(atPath: out + ".journal")?.filter { !$0.hasSuffix("spectra") }.isEmpty ?? true)
    }

    /// Every non-finite tensor is named, with its counts, in file order, and the same set whatever
    /// the method: a NaN in a tensor kept dense is refused by `check` before any journal exists.
    @Test func nonFiniteWeightsAreRefusedNamingEveryTensorWhateverTheMethod() throws {
        let plant: [String: [Int: Float]] = [
            "model.layers.1.mlp.up_proj.weight": [5: .nan, 7: .nan],
            "model.layers.0.self_attn.k_proj.weight": [3: .infinity],
            "model.embed_tokens.weight": [11: .nan, 10: -.infinity],
            "model.norm.weight": [0: .nan],
        ]
        let src = try SyntheticModel.write(to: dir, plant: plant)
        let order = try Checkpoints.open(src).tensors.map(\.name).filter { plant[$0] != nil }
        let byName: [String: NonFiniteTensor] = [
            "model.layers.1.mlp.up_proj.weight": .init(name: "model.layers.1.mlp.up_proj.weight", nanCount: 2, infinityCount: 0, firstIndex: 5),
            "model.layers.0.self_attn.k_proj.weight": .init(name: "model.layers.0.self_attn.k_proj.weight", nanCount: 0, infinityCount: 1, firstIndex: 3),
            "model.embed_tokens.weight": .init(name: "model.embed_tokens.weight", nanCount: 1, infinityCount: 1, firstIndex: 10),
            "model.norm.weight": .init(name: "model.norm.weight", nanCount: 1, infinityCount: 0, firstIndex: 0),
        ]
        let expected = CompressionError.nonFiniteTensors(file: src, tensors: order.map { byName[$0]! })
        let (cal, _) = try SyntheticModel.calibration()
        let out = dir.appendingPathComponent("o.safetensors").path
        for m in CompressionMethod.allCases {
            #expect(throws: expected, "\(m)") {
                try Compressor(source: try Checkpoints.open(src), calibration: cal).compress(options: .init(method: m, budget: .ratio(0.3)), to: out)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(!FileManager.default.fileExists(atPath: out + ".journal"))
        #expect(expected.description.contains("4 tensors hold NaN or infinite values: 'model.embed_tokens.weight' (1 NaN, 1 infinite; first at element 10)"))
    }

    /// Non-finite values only in block linear matrices (met in pass 1, in an order that depends on
    /// the method and the workers): the same full list whatever the method and worker count.
    @Test func manyNonFiniteTensorsAreCountedBeyondTheFirstTen() throws {
        let names = Array(SyntheticModel.linearShapes(layers: 2).map(\.0).reversed().prefix(12))
        let src = try SyntheticModel.write(to: dir, plant: Dictionary(uniqueKeysWithValues: names.map { ($0, [1: Float.nan]) }))
        let (cal, _) = try SyntheticModel.calibration()
        var messages: Set<String> = []
        for m in CompressionMethod.allCases {
            for workers in [1, 2] {
                let c = try Compressor(source: try Checkpoints.open(src), calibration: cal)
                c.workers = workers
                do {
                    _ = try c.compress(options: .init(method: m, budget: .ratio(0.3)), to: dir.appendingPathComponent("o.safetensors").path)
                    Issue.record("\(m) compressed a source with NaN")
                } catch { messages.insert("\(error)") }
            }
        }
        #expect(messages.count == 1, "\(messages)")
        let message = messages.first ?? ""
        #expect(message.contains("12 tensors hold NaN or infinite values"), "\(message)")
        #expect(message.hasSuffix(", and 2 more"), "\(message)")
        #expect(message.components(separatedBy: "(1 NaN; first at element 1)").count - 1 == 10)
        // The 10 named are the first in file order.
        let order = try Checkpoints.open(src).tensors.map(\.name).filter { names.contains($0) }
        #expect(message.contains("'\(order[9])'") && !message.contains("'\(order[10])'"))
    }

    @Test func outputEqualToInputIsRefused() throws {
        let src = try SyntheticModel.write(to: dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: src))
        #expect(throws: CompressionError.outputIsInput(file: src)) {
            try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(0.3)), to: src)
        }
        let viaDot = dir.path + "/./model.safetensors"
        #expect(throws: CompressionError.outputIsInput(file: viaDot)) {
            try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(0.3)), to: viaDot)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: src)) == before)
    }

    @Test func outputThatIsAFolderIsRefusedBeforeAnyWork() throws {
        let src = try SyntheticModel.write(to: dir)
        let folder = dir.appendingPathComponent("out.safetensors").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        #expect(throws: TensorCoreError.badDestination(path: folder, reason: "it is an existing folder")) {
            try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(0.3)), to: folder)
        }
        #expect(!FileManager.default.fileExists(atPath: folder + ".journal"))
        // A journal path that is a file cannot hold the journal: refused up front too.
        let out = dir.appendingPathComponent("o.safetensors").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + ".journal"))
        #expect(throws: CompressionError.journal(path: out + ".journal", reason: "exists and is not a folder")) {
            try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(0.3)), to: out)
        }
    }

    @Test func tooShortCalibrationIsRefused() throws {
        let src = try SyntheticModel.write(to: dir)
        let (cal, _) = try SyntheticModel.calibration(tokens: 10)
        #expect(throws: CompressionError.calibrationTooShort(file: "in-memory", tokens: 10, minimum: 64)) {
            try Compressor(source: try Checkpoints.open(src), calibration: cal)
                .compress(options: .init(method: .masvd, budget: .ratio(0.3)), to: dir.appendingPathComponent("o").path)
        }
    }

    @Test func measurementAwareMethodsWithoutStatisticsAreRefusedNamingTheTensor() throws {
        let src = try SyntheticModel.write(to: dir)
        let first = try Compressor(source: try Checkpoints.open(src)).linearTensors.first?.name  // file order
        #expect(first == "model.layers.0.mlp.down_proj.weight")
        for m in [CompressionMethod.masvd, .asvd] {
            #expect {
                try Compressor(source: try Checkpoints.open(src)).compress(options: .init(method: m, budget: .ratio(0.3)), to: dir.appendingPathComponent("o").path)
            } throws: { e in
                guard case let CompressionError.missingCalibration(_, tensor, _) = e else { return false }
                return tensor == first
            }
        }
    }

    @Test func statisticsOfTheWrongDimensionAreRefused() throws {
        let src = try SyntheticModel.write(to: dir)
        var (cal, _) = try SyntheticModel.calibration()
        cal.groups["model.layers.0.mlp.down_proj"] = try CalibrationStatistics(meanAbsolute: [1, 2, 3], sampleCount: 200)
        #expect {
            try Compressor(source: try Checkpoints.open(src), calibration: cal)
                .compress(options: .init(method: .asvd, budget: .ratio(0.3)), to: dir.appendingPathComponent("o").path)
        } throws: { e in
            guard case let CompressionError.invalidStatistics(_, field, _) = e else { return false }
            return field == "model.layers.0.mlp.down_proj.weight"
        }
    }

    @Test func statisticsFileRoundTripsAndBadOnesAreRefused() throws {
        let (cal, _) = try SyntheticModel.calibration()
        let p = dir.appendingPathComponent("stats.safetensors").path
        try cal.write(path: p)
        let back = try CalibrationSet.read(path: p)
        #expect(back.tokens == 200 && back.textSHA256 == "synthetic")
        #expect(try back.allGroups() == cal.groups)
        #expect(back.groups.isEmpty)  // file-backed: loaded on demand
        #expect(back.fileSHA256 != nil)
        let bad = dir.appendingPathComponent("bad.safetensors").path
        try SafeTensorsWriter.write(path: bad, tensors: [("x.gram", Tensor(zeros: [2, 3]))], dtype: .f32, metadata: ["tokens": "5"])
        #expect(throws: CompressionError.invalidStatistics(file: bad, field: "x.gram", reason: "shape [2, 3] is not square")) {
            try CalibrationSet.read(path: bad)
        }
        let noTokens = dir.appendingPathComponent("nt.safetensors").path
        try SafeTensorsWriter.write(path: noTokens, tensors: [("x.gram", Tensor(zeros: [2, 2]))], dtype: .f32)
        #expect(throws: CompressionError.invalidStatistics(file: noTokens, field: "__metadata__.tokens", reason: "missing (and no '<group>.tokens' tensors)")) {
            try CalibrationSet.read(path: noTokens)
        }
    }

    @Test func malformedCompressedCheckpointsAreRefused() throws {
        let src = try SyntheticModel.write(to: dir)
        // A plain safetensors is not a compressed checkpoint.
        #expect(throws: CompressionError.self) { try CompressedCheckpoint(path: src) }
        #expect(!CompressedCheckpoint.isCompressed(src))
        // A manifest naming a tensor the header lacks.
        let r = try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(0.3)), to: dir.appendingPathComponent("c.safetensors").path)
        let f = try SafeTensorsFile(path: r.path)
        var meta: [String: String] = [:]
        for (k, v) in f.metadata { meta[k] = v.stringValue }
        let drop = "model.norm.weight"
        let tensors = try f.tensors.filter { $0.name != drop }.map { ($0.name, try f.float32($0.name)) }
        let cut = dir.appendingPathComponent("cut.safetensors").path
        try SafeTensorsWriter.write(path: cut, tensors: tensors.map { (name: $0.0, tensor: $0.1) }, dtype: .f32, metadata: meta)
        #expect(throws: CompressionError.invalidCheckpoint(file: cut, field: drop, reason: "stored tensor missing from the header (or listed twice)")) {
            try CompressedCheckpoint(path: cut)
        }
        // A truncated zstd container.
        let z = try Compressor(source: try Checkpoints.open(src)).compress(options: .init(budget: .ratio(0.3), zstd: true), to: dir.appendingPathComponent("z.zst").path)
        let data = try Data(contentsOf: URL(fileURLWithPath: z.path))
        let trunc = dir.appendingPathComponent("t.zst").path
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: trunc))
        #expect(throws: CompressionError.self) { try CompressedCheckpoint(path: trunc) }
    }

    @Test func metadataJSONKeepsEveryValueBitForBit() throws {
        let pairs: [(key: String, value: MetadataValue)] = [
            ("a", .uint8(255)), ("b", .int8(-128)), ("c", .uint32(.max)), ("d", .int64(.min)), ("e", .uint64(.max)),
            ("f", .float32(-0.0)), ("g", .float32(.infinity)), ("h", .float32(1.1)), ("i", .float64(-2.5e-300)), ("j", .bool(true)),
            ("k", .string("tok \"x\"\n")), ("l", .array(elementType: 6, values: [.float32(-0.0), .float32(3.25)])),
            ("m", .array(elementType: 9, values: [.array(elementType: 8, values: [.string("x")])])),
        ]
        let back = try MetadataJSON.decode(try MetadataJSON.encode(pairs), file: "t", field: "f")
        #expect(back.map(\.key) == pairs.map(\.key))
        #expect(back.map(\.value) == pairs.map(\.value))
        if case let .float32(z) = back[5].value { #expect(z.sign == .minus) } else { Issue.record("f is not f32") }
    }
}
