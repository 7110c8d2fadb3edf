import Foundation
import TensorCore
import WeightFormats

extension Compressor {
    /// How many non-finite tensors `CompressionError.nonFiniteTensors` spells out by name; the rest are counted.
    public static let nonFiniteReportLimit = 10

    /// Every tensor of `source` holding a NaN or an infinity, in source order, with its counts and
    /// first flat index. Each tensor is read once as Float32 (a row slice at a time for large GGUF
    /// tensors, like `forEachSlice`), so the result does not depend on the method, the calibration
    /// or the order in which a compression would visit the tensors.
    public static func nonFiniteTensors(in source: any WeightSource) throws -> [NonFiniteTensor] {
        var found: [NonFiniteTensor] = []
        for t in source.tensors {
            var nan = 0, infinite = 0, first: Int? = nil, offset = 0
            try forEachUncheckedSlice(source, t.name) { v in
                // Fast test on the bit patterns (exponent all ones), details only for a slice that has one.
                if v.withMemoryRebound(to: UInt32.self, { u in u.contains { $0 & 0x7F80_0000 == 0x7F80_0000 } }) {
                    for (i, x) in v.enumerated() where !x.isFinite {
                        if x.isNaN { nan += 1 } else { infinite += 1 }
                        if first == nil { first = offset + i }
                    }
                }
                offset += v.count
            }
            if let first { found.append(NonFiniteTensor(name: t.name, nanCount: nan, infinityCount: infinite, firstIndex: first)) }
        }
        return found
    }

    /// Refuses a source with NaN or infinite weights: `CompressionError.nonFiniteTensors` naming
    /// every such tensor (`nonFiniteTensors(in:)`).
    public static func checkFinite(_ source: any WeightSource) throws {
        let bad = try nonFiniteTensors(in: source)
        guard bad.isEmpty else { throw CompressionError.nonFiniteTensors(file: source.path, tensors: bad) }
    }

    /// Checks, once per compressor, that the tensors which are not factored (embeddings, norms,
    /// head: read again only when written) are finite; the block linear matrices are checked as
    /// pass 1 loads them. No weight is read twice for the check on a finite source: the full
    /// scan runs only on the way to a refusal.
    func checkDenseTensorsFinite() throws {
        finiteLock.lock()
        let done = denseTensorsChecked
        finiteLock.unlock()
        if done { return }
        let linear = Set(linearTensors.map(\.name))
        for t in source.tensors where !linear.contains(t.name) { try forEachSlice(t.name) { _ in } }
        finiteLock.lock()
        denseTensorsChecked = true
        finiteLock.unlock()
    }

    /// The refusal of this source once any check has met a NaN or an infinity: every non-finite
    /// tensor in file order (one full scan, `nonFiniteTensors(in:)`), so the error does not depend
    /// on which tensor, method or worker met one first. Computed once and shared.
    func nonFiniteRefusal() -> Error {
        finiteLock.lock(); defer { finiteLock.unlock() }
        if let e = nonFiniteError { return e }
        do {
            let e = CompressionError.nonFiniteTensors(file: source.path, tensors: try Self.nonFiniteTensors(in: source))
            nonFiniteError = e
            return e
        } catch { return error }
    }
}
