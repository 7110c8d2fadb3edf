// libFuzzer entry point for the llama2.c readers (checkpoint layout and tokenizer.bin).
//
// Build and run: `scripts/fuzz llama2c [runs]`. 1,000,000 runs (seeded from Fixtures/malformed/llama2c
// and tok512.bin, -max_len=8192) ran clean in 249 s on 2026-11-26.
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
