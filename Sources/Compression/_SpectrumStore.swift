import Foundation
import LinearAlgebra

/// Keeps pass-1 spectra (`GramTruncation.WeightedSpectrum`) until pass 2 needs them, so that each
/// matrix's eigendecomposition is computed once per run: in memory (for `DecompositionCache`
/// users that evaluate several budgets) or spilled to one file per matrix in a folder (the
/// streaming `compress`, which must not hold them all: ≈ 250 MB of Float64 eigenvectors for
/// SmolLM2-135M). Files are raw little-endian: 5 Int64 (rows, columns, kept, d, 0) then energy,
/// d eigenvalues and d·kept vector entries as Float64. A missing or unreadable entry is simply
/// recomputed by the caller (same function, same inputs: same bytes).
final class _SpectrumStore: @unchecked Sendable {
    private let directory: String?
    private var memory: [String: GramTruncation.WeightedSpectrum] = [:]
    private var files: [String: String] = [:]
    private let lock = NSLock()

    /// In memory when `directory` is nil, else spilled there (the folder is created).
    init(directory: String?) {
        self.directory = directory
        if let d = directory { try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
    }

    /// Number of kept spectra.
    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return memory.count + files.count
    }

    func store(_ key: String, _ s: GramTruncation.WeightedSpectrum) {
        lock.lock(); defer { lock.unlock() }
        guard let dir = directory else { memory[key] = s; return }
        let path = dir + "/s\(files.count).bin"
        var header: [Int64] = [Int64(s.rows), Int64(s.columns), Int64(s.kept), Int64(s.eigenvalues.count), 0]
        var data = Data(bytes: &header, count: 40)
        var body = [s.energy] + s.eigenvalues + s.vectors
        data.append(Data(bytes: &body, count: body.count * 8))
        if FileManager.default.createFile(atPath: path, contents: data) { files[key] = path }
    }

    func load(_ key: String) -> GramTruncation.WeightedSpectrum? {
        lock.lock(); defer { lock.unlock() }
        if let s = memory[key] { return s }
        guard let path = files[key], let data = FileManager.default.contents(atPath: path), data.count >= 48 else { return nil }
        return data.withUnsafeBytes { raw -> GramTruncation.WeightedSpectrum? in
            let h = (0..<5).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            let (rows, columns, kept, d) = (h[0], h[1], h[2], h[3])
            guard rows > 0, columns > 0, d == min(rows, columns), kept >= 1, kept <= d, data.count == 40 + 8 * (1 + d + d * kept) else { return nil }
            func f(_ i: Int) -> Double { raw.loadUnaligned(fromByteOffset: 40 + 8 * i, as: Double.self) }
            return GramTruncation.WeightedSpectrum(rows: rows, columns: columns, eigenvalues: (0..<d).map { f(1 + $0) },
                                                   vectors: (0..<(d * kept)).map { f(1 + d + $0) }, kept: kept, energy: f(0))
        }
    }

    /// Removes the spill folder.
    func removeAll() {
        lock.lock(); defer { lock.unlock() }
        memory.removeAll(); files.removeAll()
        if let d = directory { try? FileManager.default.removeItem(atPath: d) }
    }
}
