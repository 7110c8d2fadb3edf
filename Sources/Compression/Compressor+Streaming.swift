import Foundation
import TensorCore
import WeightFormats

extension Compressor {
    /// Tensors above this many elements are converted a row slice at a time when the source can
    /// (GGUF): SmolLM2's 49,152×576 token embedding is 113 MB as Float32, more than the rest of
    /// the pipeline's working set together.
    static let streamingThreshold = 4 << 20

    /// Calls `body` with consecutive row slices (about 2²⁰ values each) of tensor `name` as
    /// Float32, checking each for NaN/Inf (`nonFiniteRefusal()`: every such tensor named); a
    /// small tensor, or one from a source without row access, comes in one slice. The
    /// concatenation of the slices is exactly `source.float32(name)`.
    func forEachSlice(_ name: String, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        try Self.forEachUncheckedSlice(source, name) { v in
            if v.contains(where: { !$0.isFinite }) { throw nonFiniteRefusal() }
            try body(v)
        }
    }

    /// `forEachSlice` of any source, without the finiteness check.
    static func forEachUncheckedSlice(_ source: any WeightSource, _ name: String, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        if let g = source as? GGUFFile, let t = g.ggufInfo(name), t.elementCount > Self.streamingThreshold,
           let rowLength = t.dimensions.first, rowLength > 0, rowLength % t.type.blockSize == 0 {
            let rowCount = t.elementCount / rowLength
            let step = Swift.max(1, (1 << 20) / rowLength)
            var start = 0
            while start < rowCount {
                let end = Swift.min(rowCount, start + step)
                try g.float32(name, rows: start..<end).withUnsafeBufferPointer(body)
                start = end
            }
            return
        }
        try source.float32(name).storage.withUnsafeBufferPointer(body)
    }

    /// The manifest entry of a tensor kept dense (stored as `dtype`, F32 for 1-D), its checksum
    /// streamed over row slices (`forEachSlice`): the same entry as `denseEntry(name:tensor:…)`.
    /// With `out`, the stored bytes are also written at the tensor's place there as they are hashed
    /// (one conversion for both).
    func streamedDenseEntry(_ info: TensorInfo, dtype: DType, into out: SafeTensorsPlacedWriter? = nil) throws -> CompressionManifest.Entry {
        let d = Self.denseStoredType(info.shape, dtype)
        var h = SHA256()
        var offset = 0
        do {
            try forEachSlice(info.name) { v in
                func put(_ bytes: UnsafeRawBufferPointer) throws {
                    h.update(bytes)
                    try out?.write(info.name, at: offset, bytes: bytes)
                    offset += bytes.count
                }
                if d == .f32 { try put(UnsafeRawBufferPointer(v)) } else { try StoredCodec.encode(Array(v), as: d).withUnsafeBytes { try put($0) } }
            }
        } catch let e as WeightFormatError {
            throw CompressionError.journal(path: out?.path ?? source.path, reason: e.description)
        }
        if let out, offset != out.range(of: info.name)?.count {
            throw CompressionError.invalidCheckpoint(file: out.path, field: info.name, reason: "wrote \(offset) bytes where the layout holds \(out.range(of: info.name)?.count ?? 0)")
        }
        return CompressionManifest.Entry(name: info.name, layout: "dense", method: "dense", originalShape: info.shape,
                                         originalType: info.storage.description,
                                         stored: [.init(name: info.name, dtype: d.rawValue, shape: info.shape, sha256: h.finalizeHex())])
    }

    /// Writes tensor `name` as `dtype` through `writer`, a row slice at a time.
    func writeStreamed(_ name: String, dtype: DType, to writer: SafeTensorsWriter) throws {
        try writer.write(name, pieces: { sink in
            try forEachSlice(name) { v in
                if dtype == .f32 { try sink(UnsafeRawBufferPointer(v)) } else {  // little-endian hosts
                    try StoredCodec.encode(Array(v), as: dtype).withUnsafeBytes { try sink($0) }
                }
            }
        })
    }
}
