import TensorCore
import Foundation
import Testing
import TestSupport
import QuantumBackend

private struct PeerAmplitudes: Decodable {
    let name: String
    let version: String
    let amplitudes: [[Double]]
}

@Suite("OpenQASM emitters and parser")
struct QASMTests {
    let sim = StateVectorSimulator()

    static let regenerate = ProcessInfo.processInfo.environment["ALLONE_REGENERATE_QUANTUM_FIXTURES"] == "1"

    /// The committed emitted files equal what the emitter writes today (set
    /// ALLONE_REGENERATE_QUANTUM_FIXTURES=1 to rewrite them, then rerun make_fixtures.py).
    @Test func emittedFilesMatchCommittedFixtures() throws {
        for (name, c) in try FixtureCircuits.all() {
            for (v, ext) in [(QASMProgram.Version.v3, "qasm3"), (.v2, "qasm2")] {
                let text = try QASMEmitter.emit(c, version: v)
                let path = TestPaths.fixture("quantum/qasm/\(name).\(ext)")
                if QASMTests.regenerate { try text.write(toFile: path, atomically: true, encoding: .utf8) }
                let committed = try String(contentsOfFile: path, encoding: .utf8)
                #expect(committed == text, "\(name).\(ext) drifted from the emitter")
            }
        }
    }

    /// Qiskit's `qasm3.loads` / `qasm2.loads` + `Statevector` of every emitted file equals our simulator
    /// (≤ 1e-10; up to global phase only where a definition drops one), and our parser reads the same file
    /// back to the same state.
    @Test func qiskitAgreesWithEmittedFiles() throws {
        for (name, c) in try FixtureCircuits.all() {
            let ours = try sim.statevector(c)
            for ext in ["qasm3", "qasm2"] {
                let peer = try FixtureReader.json(PeerAmplitudes.self, TestPaths.fixture("quantum/qasm/\(name).\(ext).amps.json"))
                let theirs = peer.amplitudes.map { Complex($0[0], $0[1]) }
                if QASMEmitter.isPhaseExact(c, version: ext == "qasm3" ? .v3 : .v2) {
                    #expect(QT.distance(ours, theirs) <= 1e-10, "\(name).\(ext) vs Qiskit")
                } else {
                    #expect(QT.distanceUpToPhase(ours, theirs) <= 1e-10, "\(name).\(ext) vs Qiskit (up to global phase)")
                }
                let text = try String(contentsOfFile: TestPaths.fixture("quantum/qasm/\(name).\(ext)"), encoding: .utf8)
                let parsed = try QASMParser.parse(text)
                #expect(parsed.numberOfQubits == c.numberOfQubits)
                #expect(QT.distanceUpToPhase(try sim.statevector(parsed), ours) <= 1e-10, "\(name).\(ext) round trip")
                if QASMEmitter.isPhaseExact(c, version: ext == "qasm3" ? .v3 : .v2) {
                    #expect(QT.distance(try sim.statevector(parsed), ours) <= 1e-10, "\(name).\(ext) exact round trip")
                }
            }
        }
    }

    @Test func emittedTextFollowsTheConventions() throws {
        var c = Circuit(qubits: 2, clbits: 2)
        try c.h(0); try c.apply(.ecr, 0, 1); try c.apply(.rzz(0.5), 0, 1)
        try c.append(.delay(DelayDuration(100, .ns), [1]))
        try c.measure(0, 0)
        let q3 = try QASMEmitter.emit(c, version: .v3)
        #expect(q3.hasPrefix("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n"))
        #expect(q3.contains("qubit[2] q;") && q3.contains("bit[2] c;"))
        #expect(q3.contains("c[0] = measure q[0];"))
        #expect(q3.contains("delay[100ns] q[1];"))
        #expect(q3.contains("gate ecr a, b {") && q3.contains("gate rzz(theta) a, b {"))
        let q2 = try QASMEmitter.emit(c, version: .v2)
        #expect(q2.hasPrefix("OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"))
        #expect(q2.contains("qreg q[2];") && q2.contains("creg c[2];") && q2.contains("measure q[0] -> c[0];"))
        #expect(q2.contains("gate rzz(theta) a, b {"))  // not in the original qelib1.inc
    }

    @Test func symbolicParametersRoundTripInQASM3() throws {
        var c = Circuit(qubits: 1)
        try c.apply(.rx(Parameter.symbol("theta") * 2 + 0.25), 0)
        let text = try QASMEmitter.emit(c, version: .v3)
        #expect(text.contains("input float[64] theta;"))
        let back = try QASMParser.parse(text)
        #expect(back.parameterNames == ["theta"])
        let a = try sim.statevector(c.bound(["theta": 0.7])), b = try sim.statevector(back.bound(["theta": 0.7]))
        #expect(QT.distance(a, b) < 1e-15)
        #expect(throws: QuantumError.self) { try QASMEmitter.emit(c, version: .v2) }
    }

    @Test func parserReadsHandWrittenOpenQASM2() throws {
        let src = """
        OPENQASM 2.0;
        include "qelib1.inc";
        qreg a[2];
        qreg b[1];
        creg c[3];
        gate maj(t) x, y { u2(0, pi) y; cx x, y; rz(t/2) y; }
        h a;           // broadcast over a[0], a[1]
        maj(-pi/4) a[1], b[0];
        u1(2*pi/3) b[0];
        /* block
           comment */
        measure a -> c[0:1];
        """
        // `c[0:1]` slices are not OpenQASM 2: a precise error at line 12, column 17.
        #expect(throws: QuantumError.parse(line: 12, column: 17, message: "unexpected character ':'")) { try QASMParser.parse(src) }
        let ok = src.replacingOccurrences(of: "measure a -> c[0:1];", with: "measure b[0] -> c[2];")
        let c = try QASMParser.parse(ok)
        #expect(c.numberOfQubits == 3 && c.numberOfClbits == 3)
        var expected = Circuit(qubits: 3, clbits: 3)
        try expected.h(0); try expected.h(1)
        try expected.apply(.u(Parameter(Double.pi / 2), 0, Parameter(Double.pi)), 2)
        try expected.cx(1, 2)
        try expected.apply(.rz(Parameter(-Double.pi / 8)), 2)
        try expected.apply(.p(Parameter(2 * Double.pi / 3)), 2)
        #expect(QT.distance(try sim.statevector(c), try sim.statevector(expected)) < 1e-14)
    }

    /// Each gate's emitted definition (or include-file gate) reads back to the same matrix.
    @Test func everyGateRoundTripsAlone() throws {
        var rng = SplitMix64(seed: 31)
        for g in QT.allGates(&rng) {
            var c = Circuit(qubits: 3)
            for q in 0..<3 { try c.apply(.u(Parameter(0.3 + Double(q)), Parameter(0.7), Parameter(-0.4 * Double(q))), q) }
            try c.apply(g, on: Array(0..<g.arity).map { ($0 + 1) % 3 })
            for v in [QASMProgram.Version.v3, .v2] {
                let back = try QASMParser.parse(try QASMEmitter.emit(c, version: v))
                let d = QT.distanceUpToPhase(try sim.statevector(back), try sim.statevector(c))
                #expect(d < 1e-12, "\(g.name) in \(v)")
            }
        }
    }

    /// Malformed input: a line/column error, never a crash.
    @Test func malformedInputGivesLineAndColumn() throws {
        let cases: [(String, Int, Int)] = [
            ("OPENQASM 3.0;\nqubit[2] q;\nh q[2];\n", 3, 3),
            ("OPENQASM 3.0;\nqubit[2] q;\nfoo q[0];\n", 3, 1),
            ("OPENQASM 3.0;\nqubit[1] q;\nrx(theta) q[0];\n", 3, 1),
            ("OPENQASM 2.0;\nqreg q[1];\nU(1,2) q[0];\n", 3, 1),
            ("OPENQASM 3.0;\nqubit[2] q;\ncx q[0], q[0];\n", 3, 1),
            ("OPENQASM 3.0;\nqubit[1] q;\nrx(1/0) q[0];\n", 3, 1),
            ("OPENQASM 3.0;\nqubit[1] q;\nrx(((((1 q[0];\n", 3, 10),
            ("OPENQASM 3.0;\ninclude \"other.inc\";\n", 2, 9),
            ("OPENQASM 4.0;\n", 1, 10),
            ("OPENQASM 3.0;\nqubit[1] q;\n/* open", 3, 1),
            ("OPENQASM 3.0;\nqubit[1] q;\nh q[0] @;\n", 3, 8),
            ("OPENQASM 3.0;\nqubit[99999999999] q;\n", 2, 7),
            ("OPENQASM 3.0;\nqubit[1] q;\ndelay[10 parsecs] q[0];\n", 3, 10),
            ("OPENQASM 3.0;\nqubit[1] q;\nif (c) x q[0];\n", 3, 1),
        ]
        for (src, line, col) in cases {
            do {
                _ = try QASMParser.parse(src)
                Issue.record("accepted malformed input: \(src)")
            } catch let QuantumError.parse(l, c, _) {
                #expect(l == line && c == col, "\(src.debugDescription) → \(l):\(c)")
            }
        }
        // Truncations of a valid file never crash.
        let valid = try QASMEmitter.emit(try FixtureCircuits.all()[3].circuit, version: .v3)
        for cut in stride(from: 0, to: valid.count, by: 7) {
            _ = try? QASMParser.parse(String(valid.prefix(cut)))
        }
    }
}

@Suite("OpenQASM parser robustness")
struct QASMRobustnessTests {
    /// Seeded random mutations of valid files (byte flips, token deletions, garbage) either parse or
    /// throw `QuantumError.parse`; nothing traps.
    @Test func mutatedFilesNeverCrash() throws {
        var rng = SplitMix64(seed: 404)
        let alphabet = Array("qc[](){};,->=+-*/^0123456789.e pi\"\nOPENQASMgatemeasureU")
        for (_, c) in try FixtureCircuits.all() {
            for v in [QASMProgram.Version.v3, .v2] {
                let base = Array(try QASMEmitter.emit(c, version: v))
                for _ in 0..<60 {
                    var t = base
                    for _ in 0..<(1 + Int(rng.next() % 4)) where !t.isEmpty {
                        let i = Int(rng.next() % UInt64(t.count))
                        switch rng.next() % 3 {
                        case 0: t[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                        case 1: t.remove(at: i)
                        default: t.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                        }
                    }
                    do { _ = try QASMParser.parse(String(t)) } catch let e as QuantumError {
                        if case .parse = e {} else { Issue.record("non-parse error \(e)") }
                    }
                }
            }
        }
        #expect(throws: QuantumError.self) { try QASMParser.parse("OPENQASM 3.0;\nqubit[1] q;\nrx(1e999) q[0];\n") }
        #expect(throws: QuantumError.self) { try QASMParser.parse("OPENQASM 3.0;\nqubit[1] q;\nrx(" + String(repeating: "(", count: 5000) + ") q[0];\n") }
        #expect(throws: QuantumError.self) { try QASMParser.parse("OPENQASM 3.0;\nqubit[1] q;\nrx(" + String(repeating: "-", count: 100_000) + "1) q[0];\n") }
    }
}
