import Foundation
import Testing
import TestSupport

/// `compress`, `verify` and `export` of compressed checkpoints, end to end through the CLI.
@Suite(.enabled(if: CLIRunner.executable != nil, "allone-compress was not built beside the tests"))
struct CompressCLITests {
    static let storiesGGUF = TestPaths.sharedModel("stories260K/stories260K.gguf")
    static let stories = TestPaths.sharedModel("stories260K/stories260K.bin")
    let dir = TestPaths.temporaryDirectory("compress-cli")

    /// A Llama-shaped safetensors model written by hand (HF names, F32, deterministic values).
    func writeModel(layers: Int, dim: Int, hidden: Int, nanIn: String? = nil, name: String = "model.safetensors") throws -> String {
        var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [64, dim])]
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            shapes += [(p + "input_layernorm.weight", [dim]), (p + "self_attn.q_proj.weight", [dim, dim]),
                       (p + "self_attn.k_proj.weight", [dim, dim]), (p + "self_attn.v_proj.weight", [dim, dim]),
                       (p + "self_attn.o_proj.weight", [dim, dim]), (p + "post_attention_layernorm.weight", [dim]),
                       (p + "mlp.gate_proj.weight", [hidden, dim]), (p + "mlp.up_proj.weight", [hidden, dim]),
                       (p + "mlp.down_proj.weight", [dim, hidden])]
        }
        shapes.append(("model.norm.weight", [dim]))
        var header = "{", offset = 0
        for (i, (n, s)) in shapes.enumerated() {
            let bytes = s.reduce(1, *) * 4
            header += (i > 0 ? "," : "") + "\"\(n)\":{\"dtype\":\"F32\",\"shape\":[\(s.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        var state: UInt64 = 0x9E3779B97F4A7C15
        for (n, s) in shapes {
            let count = s.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            let cols = s.count == 2 ? s[1] : 1
            for i in 0..<count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let u = Float(state >> 40) / Float(1 << 24) - 0.5
                values[i] = s.count == 1 ? 1 : u / Float(1 + (i % cols) / 8)  // decaying column scales
            }
            if n == nanIn { values[3] = .nan }
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let path = dir.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func compressVerifyAndDetectAFlippedByte() throws {
        let model = try writeModel(layers: 1, dim: 32, hidden: 48)
        let out = dir.appendingPathComponent("c.safetensors").path
        let r = try CLIRunner.run(["compress", model, "--ratio", "0.5", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"linear_fraction_removed\""))
        let v = try CLIRunner.run(["verify", out])
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("all checksums match"))
        // Flip one byte near the end of the file (the data of the last stored tensor in file order).
        var data = try Data(contentsOf: URL(fileURLWithPath: out))
        data[data.count - 2] ^= 0x40
        try data.write(to: URL(fileURLWithPath: out))
        let bad = try CLIRunner.run(["verify", out])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("checksum mismatch in tensor '"))
        #expect(!FileManager.default.fileExists(atPath: out + ".journal"))
    }

    @Test func badRequestsAreRefusedWithoutOutput() throws {
        let model = try writeModel(layers: 1, dim: 16, hidden: 24, nanIn: "model.layers.0.mlp.up_proj.weight")
        let out = dir.appendingPathComponent("o.safetensors").path
        let nan = try CLIRunner.run(["compress", model, "--ratio", "0.5", "--out", out])
        #expect(nan.status == 2)
        #expect(nan.stderr.contains("model.layers.0.mlp.up_proj.weight"))
        #expect(try CLIRunner.run(["compress", model, "--ratio", "1.5", "--out", out]).status != 0)
        #expect(try CLIRunner.run(["compress", model, "--ratio", "0.5", "--out", model]).status != 0)
        let clean = try writeModel(layers: 1, dim: 16, hidden: 24, name: "clean.safetensors")
        let masvd = try CLIRunner.run(["compress", clean, "--method", "masvd", "--ratio", "0.5", "--out", out])
        #expect(masvd.status == 2)
        #expect(masvd.stderr.contains("masvd"))
        let workers = try CLIRunner.run(["compress", model, "--ratio", "0.5", "--workers", "0", "--out", out])
        #expect(workers.status != 0)
        #expect(workers.stderr.contains("--workers"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// NaN/Inf planted in two tensors of stories260K (llama2.c: 7 Int32 of header, then the token
    /// embedding, the attention norms, wq, …): every method names both, with the same message, and
    /// leaves no output and no journal — with --calibration the runtime, which stops at the first,
    /// runs first.
    /// `inEmbedding`: also one in the token embedding (kept dense: refused by `check`); without
    /// it the NaN/Inf are met in pass 1, after the journal folder exists (removed again).
    @Test(.enabled(if: stories != nil && TestPaths.sharedCorpus("tinystories_val.txt") != nil, "needs ../shared"), arguments: [true, false])
    func nonFiniteWeightsAreNamedTheSameWayByEveryMethod(inEmbedding: Bool) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: Self.stories!))
        func plant(_ floatIndex: Int, _ v: Float) {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { b in for k in 0..<4 { data[28 + 4 * floatIndex + k] = b[k] } }
        }
        if inEmbedding { plant(3, .nan) }          // token embedding, element 3
        plant(512 * 64 + 5 * 64 + 7, .infinity)    // layer 0's wq, element 7
        plant(512 * 64 + 5 * 64 + 8, .nan)
        let model = dir.appendingPathComponent("stories260K.bin").path
        try data.write(to: URL(fileURLWithPath: model))
        try FileManager.default.copyItem(atPath: (Self.stories! as NSString).deletingLastPathComponent + "/tok512.bin",
                                         toPath: dir.appendingPathComponent("tok512.bin").path)
        let out = dir.appendingPathComponent("nan.safetensors").path
        let text = TestPaths.sharedCorpus("tinystories_val.txt")!
        var messages: [String] = []
        for extra in [["--method", "svd"], ["--method", "tt"], ["--method", "masvd", "--calibration", text, "--calibration-tokens", "256"],
                      ["--method", "svd", "--eval", text]] {
            let r = try CLIRunner.run(["compress", model, "--ratio", "0.3", "--out", out] + extra)
            #expect(r.status == 2, "\(extra): \(r.stderr)")
            messages.append(r.stderr)
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(!FileManager.default.fileExists(atPath: out + ".journal"), "\(extra)")
        }
        #expect(Set(messages).count == 1, "\(messages)")
        #expect(messages[0].contains(inEmbedding ? "2 tensors hold NaN or infinite values" : "1 tensor holds NaN or infinite values"), "\(messages[0])")
        #expect(messages[0].contains("(1 NaN; first at element 3)") == inEmbedding, "\(messages[0])")
        #expect(messages[0].contains("(1 NaN, 1 infinite; first at element 7)"), "\(messages[0])")
    }

    /// An --out that cannot be written is refused before any work (no journal, no calibration run):
    /// an existing folder, a missing folder; the same for `export --out` and `report --out`.
    @Test func unwritableOutputsAreRefusedBeforeAnyWork() throws {
        let model = try writeModel(layers: 1, dim: 16, hidden: 24)
        let folder = dir.appendingPathComponent("existing").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let missing = dir.appendingPathComponent("no/such/folder/o.safetensors").path
        for (out, reason) in [(folder, "it is an existing folder"), (missing, "does not exist")] {
            let r = try CLIRunner.run(["compress", model, "--ratio", "0.5", "--out", out])
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains(out) && r.stderr.contains(reason), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out + ".journal"))
            let e = try CLIRunner.run(["export", model, "--to", "gguf", "--out", out])
            #expect(e.status == 2, "\(e.stderr)")
            #expect(e.stderr.contains(reason), "\(e.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        // report --out is a folder: an existing file there is refused before the model is even opened
        // (the model path does not exist, and the error is about --out).
        let file = dir.appendingPathComponent("file.txt").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let rep = try CLIRunner.run(["report", dir.appendingPathComponent("absent.gguf").path, "--calibration", file, "--eval", model, "--out", file])
        #expect(rep.status == 2, "\(rep.stderr)")
        #expect(rep.stderr.contains("it is an existing file, not a folder"), "\(rep.stderr)")
    }

    /// compress runs OpenBLAS single-threaded inside whatever OPENBLAS_NUM_THREADS says, so the
    /// output does not depend on it (nor on `--workers`).
    @Test func openBLASThreadCountDoesNotChangeTheBytes() throws {
        let model = try writeModel(layers: 2, dim: 192, hidden: 384)
        var outputs: [Data] = []
        for (threads, workers) in [("1", "1"), ("2", "1"), ("2", "2")] {
            let out = dir.appendingPathComponent("t\(threads)w\(workers).safetensors").path
            let r = try CLIRunner.run(["compress", model, "--method", "svd", "--ratio", "0.4", "--workers", workers, "--out", out, "--quiet"],
                                      environment: ["OPENBLAS_NUM_THREADS": threads])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
    }

    @Test func killedRunResumesToTheSameBytes() throws {
        let model = try writeModel(layers: 4, dim: 192, hidden: 384)
        let fresh = dir.appendingPathComponent("fresh.safetensors").path
        let f = try CLIRunner.run(["compress", model, "--ratio", "0.4", "--out", fresh, "--quiet"])
        #expect(f.status == 0, "\(f.stderr)")
        guard let exe = CLIRunner.executable else { return }
        let out = dir.appendingPathComponent("killed.safetensors").path
        let journal = out + ".journal"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["compress", model, "--ratio", "0.4", "--out", out, "--quiet"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait for the first finished tensor in the journal, then kill -9.
        var records = 0
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning, Date() < deadline {
            records = ((try? FileManager.default.contentsOfDirectory(atPath: journal)) ?? []).filter { $0.hasPrefix("t") && $0.hasSuffix(".json") }.count
            if records >= 1 { kill(p.processIdentifier, SIGKILL); break }
            usleep(1000)
        }
        p.waitUntilExit()
        try #require(p.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: out))
        let again = try CLIRunner.run(["compress", model, "--ratio", "0.4", "--out", out, "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let resumed = again.stdout.split(separator: "\n").first { $0.contains("\"resumed_tensors\"") } ?? ""
        #expect(!resumed.contains(": 0,"), "\(resumed)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: fresh)))
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    @Test(.enabled(if: storiesGGUF != nil && PythonPeer.python != nil, "needs ../shared/models and .venv-peers"),
          arguments: [("svd", "f32", false), ("tt", "bf16", false), ("auto", "f16", false)])
    func exportOfCompressedCheckpointReadsBackInGGUFPy(method: String, dtype: String, zstd: Bool) throws {
        let out = dir.appendingPathComponent("c.safetensors").path
        var args = ["compress", Self.storiesGGUF!, "--method", method, "--ratio", "0.4", "--allocate", "entropy", "--dtype", dtype, "--out", out, "--quiet"]
        if zstd { args.append("--zstd") }
        let c = try CLIRunner.run(args)
        #expect(c.status == 0, "\(c.stderr)")
        let gguf = dir.appendingPathComponent("e.gguf").path
        let e = try CLIRunner.run(["export", out, "--to", "gguf", "--out", gguf, "--quiet"])
        #expect(e.status == 0, "\(e.stderr)")
        let peer = try PythonPeer.run("Fixtures/compress/peer_check.py", [out, gguf, Self.storiesGGUF!])
        #expect(peer.status == 0, "\(peer.output)")
        #expect(peer.output.contains("\"tensors\": 47"))
        #expect(peer.output.contains("\"metadata_keys_checked\": 18"))
    }

    /// `--zstd` and a `.zst` output name go together: either alone is refused before any work.
    @Test(.enabled(if: stories != nil, "needs ../shared/models"))
    func zstdAndOutputNameMustAgree() throws {
        for (zstd, name) in [(true, "z.safetensors"), (false, "p.safetensors.zst")] {
            let out = dir.appendingPathComponent(name).path
            let r = try CLIRunner.run(["compress", Self.stories!, "--method", "svd", "--ratio", "0.3", "--out", out, "--quiet"] + (zstd ? ["--zstd"] : []))
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains(".zst"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out) && !FileManager.default.fileExists(atPath: out + ".journal"))
        }
    }

    @Test(.enabled(if: stories != nil && TestPaths.sharedCorpus("tinystories_val.txt") != nil, "needs ../shared"))
    func calibrationTextRunsInProcess() throws {
        let out = dir.appendingPathComponent("m.safetensors.zst").path
        let r = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--refit", "--ratio", "0.3",
                                   "--calibration", TestPaths.sharedCorpus("tinystories_val.txt")!, "--calibration-tokens", "256",
                                   "--zstd", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"masvd-refit\""))
        #expect(try CLIRunner.run(["verify", out]).status == 0)
        // Two workers: the same bytes.
        let out2 = dir.appendingPathComponent("m2.safetensors.zst").path
        let r2 = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--refit", "--ratio", "0.3",
                                    "--calibration", TestPaths.sharedCorpus("tinystories_val.txt")!, "--calibration-tokens", "256",
                                    "--zstd", "--out", out2, "--quiet", "--workers", "2"])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(FileManager.default.contents(atPath: out) == FileManager.default.contents(atPath: out2))
        let short = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--ratio", "0.3",
                                       "--calibration", TestPaths.sharedCorpus("tinystories_val.txt")!, "--calibration-tokens", "10",
                                       "--out", dir.appendingPathComponent("s.safetensors").path])
        #expect(short.status == 2)
        #expect(short.stderr.contains("calibration too short"))
    }

    @Test(.enabled(if: stories != nil && TestPaths.sharedCorpus("tinystories_val.txt") != nil, "needs ../shared"))
    func sequentialShrinkageAndResidualLossRunAndBadCombinationsAreRefused() throws {
        let text = TestPaths.sharedCorpus("tinystories_val.txt")!
        let out = dir.appendingPathComponent("seq.safetensors").path
        let r = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--ratio", "0.3", "--allocate", "entropy",
                                   "--allocation-loss", "residual", "--shrinkage", "0.01",  // sequential by default here
                                   "--calibration", text, "--calibration-tokens", "512", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try CLIRunner.run(["verify", out]).status == 0)
        // The manifest (in the safetensors header) records the sequential errors.
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = String(decoding: data.dropFirst(8).prefix(headerLength), as: UTF8.self)
        #expect(header.contains("output-sequential"))
        #expect(header.contains("sequential\\\":true") || header.contains("\"sequential\":true"))
        // --no-sequential: one-shot factors, and the residual loss is the default of --allocate entropy.
        let oneShot = dir.appendingPathComponent("one.safetensors").path
        let o = try CLIRunner.run(["compress", Self.stories!, "--method", "masvd", "--ratio", "0.3", "--allocate", "entropy", "--no-sequential",
                                   "--calibration", text, "--calibration-tokens", "512", "--out", oneShot, "--json"])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.contains("\"allocation_loss\" : \"residual\"") && o.stdout.contains("\"sequential\" : false"), "\(o.stdout)")
        for bad in [["--sequential"],                                                   // no --calibration
                    ["--sequential", "--calibration", text, "--method", "svd"],          // not masvd
                    ["--shrinkage=-1", "--calibration", text],
                    ["--shrinkage", "2", "--shrinkage-target", "diagonal", "--calibration", text],
                    ["--allocation-loss", "residual", "--allocate", "entropy"]] {       // residual energies need --calibration
            var args = ["compress", Self.stories!, "--ratio", "0.3", "--out", dir.appendingPathComponent("bad.safetensors").path] + bad
            if !bad.contains("--method") { args += ["--method", "masvd"] }
            let b = try CLIRunner.run(args)
            #expect(b.status == 2, "\(bad): \(b.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.safetensors").path))
        }
    }
}
