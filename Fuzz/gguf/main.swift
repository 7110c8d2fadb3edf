// libFuzzer target for the GGUF reader: every input is written to a scratch file, opened as a
// GGUF file, and every tensor of a supported type is dequantized. Build and run: scripts/fuzz-gguf.
#if canImport(Glibc)
import Glibc
#endif
import TensorCore
import WeightFormats

/// Scratch file on tmpfs when there is one: rewriting a truncated file on ext4 forces a flush per
/// input (auto_da_alloc), which caps the rate at a few hundred inputs per second.
let scratch = (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/allone-fuzz-gguf-\(getpid()).gguf"
let copy = scratch + ".copy.gguf"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return 0 }
    var written = 0
    while written < size, let data {
        let n = write(fd, data + written, size - written)
        if n <= 0 { break }
        written += n
    }
    close(fd)
    guard let file = try? GGUFFile(path: scratch) else { return 0 }
    for t in file.ggufTensors where GGMLDequantize.isSupported(t.type) {
        guard let x = try? file.float32(t.name) else { continue }
        // The reader promised these; a violation is a bug the fuzzer should report.
        if x.count != t.elementCount || x.shape != t.shape { abort() }
    }
    // Any accepted file copies through the writer (metadata in order, tensors raw) and reads back
    // the same: keys, values (floats compared by bits), tensor infos and bytes.
    do {
        let w = try GGUFWriter(path: copy, metadata: file.orderedMetadata,
                               tensors: file.ggufTensors.map { .init(name: $0.name, shape: $0.shape, type: $0.type) })
        for t in file.ggufTensors { try file.withTensorBytes(t.name) { try w.writeRaw(t.name, bytes: $0) } }
        try w.finish()
        let back = try GGUFFile(path: copy)
        guard back.metadataKeys == file.metadataKeys,
              file.metadataKeys.allSatisfy({ sameBits(back.metadata[$0], file.metadata[$0]) }),
              back.ggufTensors.map(\.name) == file.ggufTensors.map(\.name),
              back.ggufTensors.map(\.shape) == file.ggufTensors.map(\.shape),
              back.ggufTensors.map(\.type) == file.ggufTensors.map(\.type),
              try file.ggufTensors.allSatisfy({ t in
                  try file.withTensorBytes(t.name) { a in try back.withTensorBytes(t.name) { b in a.elementsEqual(b) } }
              })
        else { abort() }
    } catch {
        abort()  // the writer refused, or its output was refused, for a file the reader accepted
    }
    return 0
}

/// Equality of metadata values with floats compared by bit pattern (NaN == NaN).
func sameBits(_ a: MetadataValue?, _ b: MetadataValue?) -> Bool {
    switch (a, b) {
    case let (.float32(x)?, .float32(y)?): return x.bitPattern == y.bitPattern
    case let (.float64(x)?, .float64(y)?): return x.bitPattern == y.bitPattern
    case let (.array(t, xs)?, .array(u, ys)?):
        return t == u && xs.count == ys.count && zip(xs, ys).allSatisfy { sameBits($0, $1) }
    default: return a == b
    }
}
