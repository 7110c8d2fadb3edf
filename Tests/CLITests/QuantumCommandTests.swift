import Foundation
import Testing
import TestSupport

/// Runs the built `allone-compress quantum …` (skipped when the debug binary is not built).
@Suite("allone-compress quantum")
struct QuantumCommandTests {
    static let binary = TestPaths.repositoryRoot.appendingPathComponent(".build/debug/allone-compress").path
    static var built: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    func run(_ args: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: QuantumCommandTests.binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test(.enabled(if: QuantumCommandTests.built, "needs .build/debug/allone-compress (swift build)"))
    func runBellGivesOnlyCorrelatedOutcomes() throws {
        let (code, out, _) = try run(["quantum", "run", TestPaths.fixture("quantum/qasm/bell.qasm3"), "--shots", "500", "--json"])
        #expect(code == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let counts = try #require(obj["counts"] as? [String: Int])
        #expect(Set(counts.keys).isSubset(of: ["00", "11"]) && counts.values.reduce(0, +) == 500)
    }

    @Test(.enabled(if: QuantumCommandTests.built, "needs .build/debug/allone-compress (swift build)"))
    func malformedQASMExitsTwoWithLineAndColumn() throws {
        let dir = TestPaths.temporaryDirectory("qcli")
        let path = dir.appendingPathComponent("bad.qasm").path
        try "OPENQASM 3.0;\nqubit[2] q;\nh q[3];\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (code, _, err) = try run(["quantum", "run", path])
        #expect(code == 2)
        #expect(err.contains("3:3"))
    }

    @Test(.enabled(if: QuantumCommandTests.built && TestPaths.sharedModel("stories260K/stories260K.bin") != nil,
                   "needs the debug binary and ../shared/models/stories260K"))
    func encodeWritesAQASMFileThatReportsFidelity() throws {
        let out = TestPaths.temporaryDirectory("qcli").appendingPathComponent("row.qasm").path
        let (code, stdout, _) = try run(["quantum", "encode", TestPaths.sharedModel("stories260K/stories260K.bin")!,
                                         "--tensor", "token_embd.weight[3]", "--layers", "2", "--emit", "qasm3", "--out", out, "--json"])
        #expect(code == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let f = try #require(obj["fidelity_per_layer"] as? [Double])
        #expect(f.count == 2 && f.allSatisfy { $0 > 0 && $0 <= 1 + 1e-12 })
        #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("OPENQASM 3.0;"))
    }
}
