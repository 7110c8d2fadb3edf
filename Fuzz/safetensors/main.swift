// libFuzzer target for the safetensors reader; build and run with `scripts/fuzz safetensors [runs]`.
// Each input is a whole file: it is validated from memory (the same code path as a mapped file),
// and when accepted every tensor is read (to Float32 where the dtype allows, and raw).
// The strict JSON parser is also fed the input directly, as index files reach it.
import TensorCore
@testable import WeightFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    bytes.withUnsafeBytes { raw in
        var json = StrictJSON(raw, base: 0, file: "fuzz", field: "index")
        _ = try? json.skipValue(depth: 0)
        _ = try? json.finish()
    }
    guard let file = try? SafeTensorsFile(bytes: bytes, name: "fuzz") else { return 0 }
    var total = 0
    for info in file.tensors {
        if let t = try? file.float32(info.name) {
            total &+= t.count
            guard t.shape == info.shape, case let .dense(d) = info.storage, t.count * d.byteSize == info.byteCount else {
                fatalError("float32(\(info.name)) disagrees with the header") // a reader bug: let libFuzzer report it
            }
        }
        total &+= (try? file.withRawBytes(info.name) { $0.count }) ?? 0
    }
    return total == -1 ? 1 : 0
}
