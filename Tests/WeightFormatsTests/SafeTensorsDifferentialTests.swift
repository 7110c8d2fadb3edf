import Foundation
import Testing
import TestSupport
@testable import WeightFormats

/// Inputs found by the fuzzer, with the Rust reference's verdict recorded by
/// `Fixtures/safetensors/make_differential.py`: the Swift reader accepts exactly what the reference
/// accepts (except headers with duplicate keys, refused on purpose).
@Suite struct SafeTensorsDifferentialTests {
    struct Verdict: Decodable {
        let reference: String
        let duplicate_keys: Bool
    }
    struct Verdicts: Decodable {
        let safetensors: String
        let files: [String: Verdict]
    }

    @Test func swiftAgreesWithTheReferenceOnFuzzFoundInputs() throws {
        let dir = TestPaths.fixture("safetensors/differential")
        let v = try FixtureReader.json(Verdicts.self, dir + "/verdicts.json")
        #expect(v.files.count >= 200)
        #expect(v.files.values.filter { $0.reference == "accepted" }.count >= 20)
        for (name, verdict) in v.files.sorted(by: { $0.key < $1.key }) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
            let accepted: Bool
            var reason = ""
            do {
                let f = try SafeTensorsFile(bytes: bytes, name: name)
                for t in f.tensors where t.storage != .dense(.bool) {
                    if case let .dense(d) = t.storage, d.isFloatingPoint { _ = try f.float32(t.name) }
                }
                accepted = true
            } catch {
                accepted = false
                reason = "\(error)"
            }
            let expected = verdict.reference == "accepted" && !verdict.duplicate_keys
            #expect(accepted == expected, "\(name): reference \(verdict.reference), Swift \(accepted ? "accepted" : reason)")
        }
    }
}
