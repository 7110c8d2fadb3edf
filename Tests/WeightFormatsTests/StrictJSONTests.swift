import Foundation
import Testing
@testable import WeightFormats

@Suite struct StrictJSONTests {
    func withReader<R>(_ text: [UInt8], _ body: (inout StrictJSON) throws -> R) throws -> R {
        try text.withUnsafeBytes { raw in
            var p = StrictJSON(raw, base: 100, file: "f", field: "j")
            return try body(&p)
        }
    }

    func string(_ json: String) throws -> String {
        try withReader(Array(json.utf8)) { p in
            let s = try p.string()
            try p.finish()
            return s
        }
    }

    @Test func escapesDecodeAsJSONDefinesThem() throws {
        // Compared with Foundation's decoder on the same text (independent implementation).
        let samples = [#""plain""#, #""a\"b\\c\/d\b\f\n\r\t""#, #""\u00e9\u4e2d\ud83d\ude00""#, "\"caf\u{e9} \u{1F600}\"", #""""#]
        for s in samples {
            let foundation = try JSONDecoder().decode(String.self, from: Data(s.utf8))
            #expect(try string(s) == foundation, "\(s)")
        }
    }

    @Test(arguments: [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\x""#, "\"a\u{1}\"", #""abc"#, #""\u12""#])
    func badStringsAreRefused(_ s: String) {
        #expect(throws: WeightFormatError.self) { try string(s) }
    }

    @Test func integersFollowSerdeUsize() throws {
        func int(_ t: String) throws -> Int? { try withReader(Array(t.utf8)) { try $0.integer() } }
        #expect(try int("0") == 0)
        #expect(try int("9223372036854775807") == Int.max)
        #expect(try int("9223372036854775808") == nil)  // beyond Int
        #expect(try int("-1") == nil)
        #expect(try int("2.0") == nil)
        #expect(try int("1e3") == nil)
        #expect(throws: WeightFormatError.self) { try int("01") }
        #expect(throws: WeightFormatError.self) { try int("-") }
        #expect(throws: WeightFormatError.self) { try int("1.") }
    }

    @Test func membersComeInFileOrderWithOffsetsAndDuplicatesVisible() throws {
        let text = Array(#" {"b": 1, "a": [true, null, {"x": -2.5e3}], "b": "s"} "#.utf8)
        let keys: [(String, Int)] = try withReader(text) { p in
            try p.beginObject(depth: 1)
            var out: [(String, Int)] = []
            var first = true
            while let (k, off) = try p.nextMember(&first) {
                out.append((k, off))
                try p.skipValue(depth: 1)
            }
            try p.finish()
            return out
        }
        #expect(keys.map(\.0) == ["b", "a", "b"])
        #expect(keys.map(\.1) == [102, 110, 144])  // base 100 + byte index of each key's quote
    }

    @Test func nestingIsLimited() throws {
        let ok = Array(repeating: UInt8(ascii: "["), count: 128) + Array(repeating: UInt8(ascii: "]"), count: 128)
        try withReader(ok) { p in try p.skipValue(depth: 0); try p.finish() }
        let deep = Array(repeating: UInt8(ascii: "["), count: 129) + Array(repeating: UInt8(ascii: "]"), count: 129)
        #expect(throws: WeightFormatError.limitExceeded(file: "f", field: "j nesting depth", offset: 228, value: 129, limit: 128)) {
            try withReader(deep) { p in try p.skipValue(depth: 0) }
        }
    }

    @Test func syntaxErrorsAreRefused() {
        for bad in ["{", "{\"a\"}", "{\"a\":1,}", "[1,]", "[1 2]", "tru", "nul", "{} {}", "{'a':1}", ""] {
            #expect(throws: WeightFormatError.self, "\(bad)") {
                try withReader(Array(bad.utf8)) { p in try p.skipValue(depth: 0); try p.finish() }
            }
        }
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        // Random short byte strings biased towards multi-byte lead and continuation bytes.
        var state: UInt64 = 42
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x90, 0x8F]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let n = Int(state >> 60)
            for i in 0..<n { bytes.append(alphabet[Int((state >> (UInt64(i) * 4 % 56)) & 0xFF) % alphabet.count]) }
            let mine = bytes.withUnsafeBytes { UTF8Check.firstInvalid($0) } == nil
            let stdlib = String(validating: bytes, as: UTF8.self) != nil
            #expect(mine == stdlib, "\(bytes)")
        }
    }
}
