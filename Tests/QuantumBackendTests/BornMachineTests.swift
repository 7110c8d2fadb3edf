import TensorCore
import Testing
import QuantumBackend

@Suite("Born machine")
struct BornMachineTests {
    @Test func barsAndStripesTarget() throws {
        let p = try BornMachineTarget.barsAndStripes(rows: 3, cols: 3).distribution()
        #expect(p.count == 512)
        #expect(p.filter { $0 > 0 }.count == 14)
        #expect(p[0] > 0 && p[511] > 0 && p[0b000_000_111] > 0 && p[0b001_001_001] > 0)
        #expect(p[0b000_000_001] == 0)
        let g = try BornMachineTarget.gaussian(qubits: 4, mean: 7.5, std: 2).distribution()
        #expect(abs(g.reduce(0, +) - 1) < 1e-15 && g[7] == g[8] && g[0] < g[4])
    }

    /// Parameter-shift gradient equals central finite differences.
    @Test func parameterShiftMatchesFiniteDifferences() throws {
        let bm = try BornMachine(target: .barsAndStripes(rows: 2, cols: 2), depth: 2)
        var rng = SplitMix64(seed: 12)
        let theta = (0..<bm.parameterCount).map { _ in rng.uniform() * 6 }
        let (loss, g) = try bm.gradient(theta)
        #expect(abs(loss - bm.mmd(try bm.probabilities(theta))) < 1e-15)
        let h = 1e-5
        for j in [0, 3, 7, bm.parameterCount - 1] {
            var a = theta, b = theta
            a[j] += h; b[j] -= h
            let fd = (bm.mmd(try bm.probabilities(a)) - bm.mmd(try bm.probabilities(b))) / (2 * h)
            #expect(abs(fd - g[j]) < 1e-8, "θ\(j): shift \(g[j]) vs FD \(fd)")
        }
        #expect(bm.mmd(bm.target) == 0)
    }

    /// A small run learns: 2×2 bars and stripes, seeded; loss drops by 10× within 60 epochs.
    @Test func trainingReducesMMD() throws {
        let bm = try BornMachine(target: .barsAndStripes(rows: 2, cols: 2), depth: 2)
        let t = try bm.train(epochs: 60, learningRate: 0.1, seed: 1)
        #expect(t.history.count == 61)
        #expect(t.history.last! < t.history.first! / 10, "\(t.history.first!) → \(t.history.last!)")
        let validMass = zip(t.probabilities, bm.target).reduce(0.0) { $0 + ($1.1 > 0 ? $1.0 : 0) }
        #expect(validMass > 0.8)
    }
}
