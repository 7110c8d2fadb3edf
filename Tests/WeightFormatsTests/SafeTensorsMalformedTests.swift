import Foundation
import Testing
import TestSupport
@testable import WeightFormats

/// The malformed corpus written by `Fixtures/malformed/safetensors/make_malformed.py`.
@Suite struct SafeTensorsMalformedTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let file: String
        let error: String
        let field: String
        let note: String
        let reference: String?
        var testDescription: String { file }
    }

    static let cases: [Case] = (try? FixtureReader.json([Case].self, TestPaths.fixture("malformed/safetensors/manifest.json"))) ?? []

    @Test func corpusIsComplete() {
        #expect(Self.cases.count >= 30)
        let present = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.fixture("malformed/safetensors"))) ?? []
        #expect(Self.cases.allSatisfy { present.contains($0.file) })
    }

    @Test(arguments: cases)
    func refusedWithTheExpectedError(_ c: Case) throws {
        let path = TestPaths.fixture("malformed/safetensors/\(c.file)")
        func check(_ body: () throws -> Void, source: String) {
            do {
                try body()
                Issue.record("\(c.file) (\(source)) was accepted: \(c.note)")
            } catch let e as WeightFormatError {
                #expect(caseName(e) == c.error, "\(c.file) (\(source)): \(e)")
                #expect(e.field?.contains(c.field) == true, "\(c.file) (\(source)): field \(e.field ?? "nil"), expected \(c.field)")
                #expect(e.file == (source == "mapped" ? path : "mem"))
                #expect(!e.description.isEmpty)
            } catch {
                Issue.record("\(c.file): unexpected error type \(error)")
            }
        }
        check({ _ = try SafeTensorsFile(path: path) }, source: "mapped")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        check({ _ = try SafeTensorsFile(bytes: bytes, name: "mem") }, source: "bytes")
    }

    @Test func errorsNameTheOffset() throws {
        let path = TestPaths.fixture("malformed/safetensors/hole-between.safetensors")
        #expect {
            try SafeTensorsFile(path: path)
        } throws: { e in
            guard case let .invalid(_, field, offset, reason)? = e as? WeightFormatError else { return false }
            // The offset is that of tensor b's JSON object inside the header (8 + its position).
            let header = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
            let text = String(decoding: header.prefix(200), as: UTF8.self)
            let pos = text.range(of: "\"b\":")
                .map { text.utf8.distance(from: text.utf8.startIndex, to: $0.upperBound.samePosition(in: text.utf8)!) }
            return field == "tensors['b'].data_offsets" && offset == pos && reason.contains("hole")
        }
    }
}
