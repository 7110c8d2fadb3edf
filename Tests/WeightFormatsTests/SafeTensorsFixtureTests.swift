import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

/// Expected values written by `Fixtures/safetensors/make_fixtures.py` (Python safetensors 0.8.0,
/// numpy and ml_dtypes `astype(float32)`).
struct SafeTensorsExpected: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let f32: String?
        let values: [String]?
        let shard: String?
    }
    let metadata: [String: String]?
    let tensors: [String: Entry]

    static func load(_ name: String) throws -> SafeTensorsExpected {
        try FixtureReader.json(SafeTensorsExpected.self, TestPaths.fixture("safetensors/\(name)"))
    }
}

/// Bit-for-bit equality of Float32 values, except that two NaNs are equal whatever their
/// payloads (NaN payloads are not part of any of these formats' value sets).
func sameFloats(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

@Suite struct SafeTensorsFixtureTests {
    @Test func everyDtypeMatchesThePythonPeer() throws {
        let expected = try SafeTensorsExpected.load("dtypes.expected.json")
        let file = try SafeTensorsFile(path: TestPaths.fixture("safetensors/dtypes.safetensors"))
        #expect(file.formatDescription == "safetensors")
        #expect(Set(file.tensors.map(\.name)) == Set(expected.tensors.keys))
        #expect(file.tensors.count == 17)
        for (name, e) in expected.tensors {
            let info = try #require(file.info(name))
            let dtype = try #require(DType(rawValue: e.dtype))
            #expect(info.shape == e.shape, "\(name)")
            #expect(info.storage == .dense(dtype), "\(name)")
            if let f32 = e.f32 {
                let want = try FixtureReader.float32(TestPaths.fixture("safetensors/\(f32)"))
                let got = try file.float32(name)
                #expect(got.shape == e.shape)
                #expect(sameFloats(got.storage, want), "\(name) differs from numpy/ml_dtypes astype(float32)")
            } else {
                let values = try #require(e.values)
                #expect(throws: WeightFormatError.unsupportedConversion(file: file.path, tensor: name, type: e.dtype)) {
                    try file.float32(name)
                }
                let decoded: [String] = try file.withRawBytes(name) { raw in
                    (0..<(raw.count / dtype.byteSize)).map { i in
                        let o = i * dtype.byteSize
                        switch dtype {
                        case .i8: return String(raw.loadUnaligned(fromByteOffset: o, as: Int8.self))
                        case .i16: return String(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int16.self)))
                        case .i32: return String(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self)))
                        case .i64: return String(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int64.self)))
                        case .u8, .bool: return String(raw.loadUnaligned(fromByteOffset: o, as: UInt8.self))
                        case .u16: return String(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
                        case .u32: return String(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                        case .u64: return String(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
                        default: return "?"
                        }
                    }
                }
                #expect(decoded == values, "\(name)")
            }
        }
    }

    @Test func metadataIsExposedAsStrings() throws {
        let expected = try SafeTensorsExpected.load("dtypes.expected.json")
        let file = try SafeTensorsFile(path: TestPaths.fixture("safetensors/dtypes.safetensors"))
        let want = try #require(expected.metadata).mapValues { MetadataValue.string($0) }
        #expect(file.metadata == want)
    }

    @Test func tensorsAreListedInFileOrderAndUnknownNamesAreRefused() throws {
        let file = try SafeTensorsFile(path: TestPaths.fixture("safetensors/dtypes.safetensors"))
        let ranges = try file.tensors.map { try file.byteRange($0.name) }
        #expect(ranges.first?.lowerBound == 8 + file.headerLength)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int
        #expect(ranges.last?.upperBound == size)
        #expect(throws: WeightFormatError.tensorNotFound(file: file.path, name: "nope")) { try file.float32("nope") }
    }

    @Test func missingFileIsAnIOError() {
        #expect {
            try SafeTensorsFile(path: "/nonexistent/x.safetensors")
        } throws: { e in
            guard case .io(let f, _)? = e as? WeightFormatError else { return false }
            return f == "/nonexistent/x.safetensors"
        }
    }

    @Test func inMemoryBytesParseLikeTheFile() throws {
        let path = TestPaths.fixture("safetensors/dtypes.safetensors")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let a = try SafeTensorsFile(path: path)
        let b = try SafeTensorsFile(bytes: bytes, name: "mem")
        #expect(a.tensors == b.tensors)
        #expect(Approximate.bitEqual(try a.float32("f16").storage, try b.float32("f16").storage))
    }
}
