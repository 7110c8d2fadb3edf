// libFuzzer entry point for the llama2.c readers (checkpoint layout and tokenizer.bin).
//
// Build (the lead wires this into the fuzz script): compile with the WeightFormats and TensorCore
// sources, e.g.
//   swiftc -sanitize=fuzzer,address -parse-as-library -module-name Fuzz \
//     Fuzz/llama2c/main.swift Sources/TensorCore/*.swift Sources/WeightFormats/*.swift \
//     -I Sources/CZstd -o .build/fuzz-llama2c
//   .build/fuzz-llama2c -runs=1000000 Fixtures/malformed/llama2c
// Every input must either parse or throw a WeightFormatError; a trap or sanitizer report is a bug.

import WeightFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func llama2cFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Llama2CByteReader(bytes: UnsafeRawBufferPointer(start: data, count: size))
    if let layout = try? Llama2CCheckpoint.layout(of: bytes, path: "fuzz") {
        // A layout that validates must describe exactly the input.
        if layout.byteCount != size { fatalError("layout covers \(layout.byteCount) of \(size) bytes") }
    }
    _ = try? Llama2CTokenizerFile(bytes: bytes, path: "fuzz")
    _ = try? Llama2CTokenizerFile(bytes: bytes, path: "fuzz", vocabSize: 512)
    return 0
}
