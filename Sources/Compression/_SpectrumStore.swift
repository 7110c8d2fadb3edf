import Foundation
import LinearAlgebra
import TensorCore

/// Keeps pass-1 spectra (`GramTruncation.WeightedSpectrum`) until pass 2 needs them, so that each
/// matrix's eigendecomposition is computed once per run: in memory (for `DecompositionCache`
/// users that evaluate several budgets) or spilled to one file per matrix in a folder (the
/// streaming `compress`, which must not hold them all: ≈ 250 MB of Float64 eigenvectors for
/// SmolLM2-135M). Files are raw little-endian: 4 Int64 (rows, columns, kept, d) then energy,
/// shift, weight energy, d eigenvalues and d·kept vector entries as Float64. A missing or unreadable entry is simply
/// recomputed by the caller (same function, same inputs: same bytes).
final class _SpectrumStore: @unchecked Sendable {
    private let directory: String?
    private var memory: [String: GramTruncation.WeightedSpectrum] = [:]
    private var files: [String: String] = [:]
    private var nextFile = 0
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
        lock.lock()
        guard let dir = directory else { memory[key] = s; lock.unlock(); return }
        let path = dir + "/s\(nextFile).bin"
        nextFile += 1
        lock.unlock()
        // The file is written without the lock (workers spill at the same time), then published.
        let header: [Int64] = [Int64(s.rows), Int64(s.columns), Int64(s.kept), Int64(s.eigenvalues.count)]
        let scalars = [s.energy, s.shift, s.weightEnergy]
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        // Written straight from the arrays (little-endian hosts), no concatenated copy.
        func put(_ p: UnsafeRawBufferPointer) -> Bool {
            var done = 0
            while done < p.count {
                let n = write(fd, p.baseAddress! + done, p.count - done)
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        let ok = header.withUnsafeBytes(put) && scalars.withUnsafeBytes(put) && s.eigenvalues.withUnsafeBytes(put) && s.vectors.withUnsafeBytes(put)
        close(fd)
        guard ok else { return }
        lock.lock(); files[key] = path; lock.unlock()
    }

    /// The spectrum stored under `key`, or nil. With `consume`, a spilled entry is removed as it is
    /// read (pass 2 reads each once; its file then never reaches the disk, and the folder is nearly
    /// empty when `removeAll` runs); entries in memory are always kept.
    func load(_ key: String, consume: Bool = false) -> GramTruncation.WeightedSpectrum? {
        lock.lock()
        if let s = memory[key] { lock.unlock(); return s }
        let found = files[key]
        if consume { files[key] = nil }
        lock.unlock()
        defer { if consume, let path = found { unlink(path) } }
        guard let path = found, let m = try? MappedFile(path: path), m.count >= 56 else { return nil }
        let raw = m.bytes
        let h = (0..<4).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
        let (rows, columns, kept, d) = (h[0], h[1], h[2], h[3])
        guard rows > 0, columns > 0, d == min(rows, columns), kept >= 1, kept <= d, m.count == 8 * (4 + 3 + d + d * kept) else { return nil }
        func doubles(_ first: Int, _ count: Int) -> [Double] {
            [Double](unsafeUninitializedCapacity: count) { buf, n in
                memcpy(buf.baseAddress!, raw.baseAddress! + 8 * first, 8 * count); n = count
            }
        }
        let s = doubles(4, 3)
        defer { withExtendedLifetime(m) {} }
        return GramTruncation.WeightedSpectrum(rows: rows, columns: columns, eigenvalues: doubles(7, d), vectors: doubles(7 + d, d * kept),
                                               kept: kept, energy: s[0], shift: s[1], weightEnergy: s[2])
    }

    /// Removes the spill folder.
    func removeAll() {
        lock.lock(); defer { lock.unlock() }
        memory.removeAll(); files.removeAll()
        if let d = directory { try? FileManager.default.removeItem(atPath: d) }
    }
}
