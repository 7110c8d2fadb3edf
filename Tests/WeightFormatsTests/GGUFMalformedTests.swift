import Foundation
import Testing
import TestSupport
@testable import WeightFormats

/// Every file of the malformed corpus (Fixtures/malformed/gguf/make_malformed.py) is refused with
/// the error case, field and offset its manifest names.
@Suite struct GGUFMalformedTests {
    struct Expectation: Decodable {
        var error: String
        var field: String?
        var offset: Int?
    }

    static let dir = TestPaths.fixture("malformed/gguf")
    static let manifest: [String: Expectation] =
        (try? FixtureReader.json([String: Expectation].self, dir + "/manifest.json")) ?? [:]

    static func caseName(_ e: WeightFormatError) -> String {
        Mirror(reflecting: e).children.first?.label ?? "?"
    }

    /// The offset an error names, when its case carries one.
    static func offset(_ e: WeightFormatError) -> Int? {
        switch e {
        case let .truncated(_, _, o, _), let .invalid(_, _, o, _), let .limitExceeded(_, _, o, _, _), let .unknownType(_, _, o, _):
            return o
        default: return nil
        }
    }

    @Test func corpusIsComplete() throws {
        #expect(Self.manifest.count >= 30)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter { $0.hasSuffix(".gguf") }
        #expect(Set(files) == Set(Self.manifest.keys))
        // Every rule of the hardened reader is covered by at least one file.
        let cases = Set(Self.manifest.values.map(\.error))
        #expect(cases == ["badMagic", "truncated", "unsupportedVersion", "limitExceeded", "invalid", "duplicate", "unknownType"])
    }

    /// The 16 Mi metadata-element budget, not the file size, is what refuses this file.
    @Test func metadataElementBudget() throws {
        let path = Self.dir + "/array_elements_over_budget.gguf"
        #expect(throws: WeightFormatError.limitExceeded(file: path, field: "metadata 'k' array count", offset: 69,
                                                        value: (1 << 24) - 2, limit: (1 << 24) - 3)) {
            try GGUFFile(path: path)
        }
    }

    @Test(arguments: manifest.keys.sorted())
    func refusedWithTheNamedError(file: String) throws {
        let want = try #require(Self.manifest[file])
        let path = Self.dir + "/" + file
        do {
            let g = try GGUFFile(path: path)
            Issue.record("\(file) was accepted (\(g.ggufTensors.count) tensors)")
        } catch let e as WeightFormatError {
            #expect(Self.caseName(e) == want.error, "\(file): \(e)")
            #expect(e.field == want.field, "\(file): \(e)")
            if let o = want.offset { #expect(Self.offset(e) == o, "\(file): \(e)") }
            #expect(e.file == path)
            #expect(e.description.contains(path))
        }
    }
}
