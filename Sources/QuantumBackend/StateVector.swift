import Dispatch

/// An n-qubit pure state `|ψ⟩ = Σ_i ψ_i |i⟩` in complex Float64, with in-place gate kernels.
///
/// Storage is interleaved (`re₀, im₀, re₁, im₁, …`), 16 bytes per amplitude. Basis index bit `q`
/// is qubit `q` (little-endian, as Qiskit). Kernels are specialised per gate structure: a general
/// 2×2 pass, diagonal passes that touch only the entries they change, permutations (X, CX, SWAP,
/// CCX) that only swap, controlled passes that visit only the control-set quarter, and a 4×4 pass.
/// Each kernel is exact up to Float64 rounding; `StateVectorSimulatorTests` compares them with the
/// plain dense reference (`applyReference`).
public struct StateVector: Sendable {
    /// Number of qubits n (0…30); the state has `2ⁿ` amplitudes.
    public let numberOfQubits: Int
    /// Interleaved real/imaginary parts, count `2·2ⁿ`.
    public internal(set) var storage: [Double]
    /// Worker threads for the 1-qubit kernels (general, real, Rx, diagonal, anti-diagonal, X) on
    /// states of 2¹⁶ amplitudes or more; other kernels stay single-threaded.
    public var threads: Int = 1

    /// |0…0⟩ on `qubits` qubits (0…30).
    public init(qubits: Int) throws {
        guard qubits >= 0 && qubits <= 30 else { throw QuantumError.unsupported("state vector of \(qubits) qubits (0…30)") }
        numberOfQubits = qubits
        storage = [Double](repeating: 0, count: 2 << qubits)
        storage[0] = 1
    }

    /// A state from amplitudes (count must be a power of two); not renormalised.
    public init(amplitudes: [Complex]) throws {
        let n = amplitudes.count.trailingZeroBitCount
        guard amplitudes.count > 0, amplitudes.count == 1 << n else {
            throw QuantumError.invalidArgument("amplitude count \(amplitudes.count) is not a power of two")
        }
        numberOfQubits = n
        storage = [Double](repeating: 0, count: 2 * amplitudes.count)
        for (i, a) in amplitudes.enumerated() { storage[2 * i] = a.re; storage[2 * i + 1] = a.im }
    }

    /// Number of amplitudes, 2ⁿ.
    public var dimension: Int { 1 << numberOfQubits }

    /// The amplitudes `ψ_i` as `Complex` values, index bit q = qubit q (a copy, `2ⁿ` entries).
    public var amplitudes: [Complex] { (0..<dimension).map { Complex(storage[2 * $0], storage[2 * $0 + 1]) } }

    /// `|ψ_i|²` for every basis index.
    public var probabilities: [Double] {
        var p = [Double](repeating: 0, count: dimension)
        for i in 0..<dimension {
            let r = storage[2 * i], m = storage[2 * i + 1]
            p[i] = r * r + m * m
        }
        return p
    }

    /// `⟨ψ|ψ⟩`.
    public var normSquared: Double { storage.reduce(0) { $0 + $1 * $1 } }

    /// `⟨self|other⟩`.
    public func inner(_ other: StateVector) -> Complex {
        var re = 0.0, im = 0.0
        for i in 0..<min(dimension, other.dimension) {
            let ar = storage[2 * i], ai = storage[2 * i + 1], br = other.storage[2 * i], bi = other.storage[2 * i + 1]
            re += ar * br + ai * bi
            im += ar * bi - ai * br
        }
        return Complex(re, im)
    }

    // MARK: - Dispatch

    /// Applies `gate` to `qubits` with the kernel specialised to its structure. Throws for a wrong
    /// number of operands, an index outside the state, a repeated qubit or a matrix of the wrong size.
    public mutating func apply(_ gate: Gate, _ qubits: [Int], bindings: [String: Double] = [:]) throws {
        guard qubits.count == gate.arity else {
            throw QuantumError.badOperands(gate: gate.name, detail: "expects \(gate.arity) qubit(s), got \(qubits.count)")
        }
        for q in qubits where q < 0 || q >= numberOfQubits {
            throw QuantumError.indexOutOfRange(what: "qubit", index: q, count: numberOfQubits)
        }
        if qubits.count > 1 && Set(qubits).count != qubits.count {
            throw QuantumError.badOperands(gate: gate.name, detail: "repeated qubit in \(qubits)")
        }
        if case let .unitary(m, _) = gate, m.dimension != 2 && m.dimension != 4 {
            throw QuantumError.notUnitary(detail: "unitary of dimension \(m.dimension)")
        }
        switch gate {
        case .id: return
        case .x: applyX(qubits[0])
        case .cx: applyCX(control: qubits[0], target: qubits[1])
        case .swap: applySwap(qubits[0], qubits[1])
        case .ccx: applyCCX(qubits[0], qubits[1], target: qubits[2])
        case .cz: applyControlledPhase(qubits[0], qubits[1], Complex(-1))
        case .y: applyAntiDiagonal(Complex(0, -1), Complex(0, 1), qubits[0])
        case .z, .s, .sdg, .t, .tdg, .rz, .p:
            let m = try gate.matrix(bindings)
            applyDiagonal(m[0, 0], m[1, 1], qubits[0])
        case .cy, .crx, .cry, .crz:
            let base: Gate
            switch gate {
            case .cy: base = .y
            case let .crx(a): base = .rx(a)
            case let .cry(a): base = .ry(a)
            case let .crz(a): base = .rz(a)
            default: base = .id
            }
            applyControlled(try base.matrix(bindings), control: qubits[0], target: qubits[1])
        case let .cp(a): applyControlledPhase(qubits[0], qubits[1], Complex.phase(try a.evaluate(bindings)))
        case .rzz:
            let m = try gate.matrix(bindings)
            applyDiagonal2([m[0, 0], m[1, 1], m[2, 2], m[3, 3]], qubits[0], qubits[1])
        case let .rx(a):
            let t = try a.evaluate(bindings)
            applyRX(_cos(t / 2), _sin(t / 2), qubits[0])
        default:
            let m = try gate.matrix(bindings)
            if m.dimension == 2 { applyStructured(m, qubits[0]) } else { applyMatrix2(m, qubits[0], qubits[1]) }
        }
    }

    /// Applies a 2×2 matrix choosing the diagonal, anti-diagonal or general kernel from its zeros.
    public mutating func applyStructured(_ m: ComplexMatrix, _ q: Int) {
        if m[0, 1] == .zero && m[1, 0] == .zero {
            if m[0, 0] == .one && m[1, 1] == .one { return }
            applyDiagonal(m[0, 0], m[1, 1], q)
        } else if m[0, 0] == .zero && m[1, 1] == .zero {
            applyAntiDiagonal(m[0, 1], m[1, 0], q)
        } else if m.elements.allSatisfy({ $0.im == 0 }) {
            applyRealMatrix(m[0, 0].re, m[0, 1].re, m[1, 0].re, m[1, 1].re, q)
        } else {
            applyMatrix(m, q)
        }
    }

    /// A real 2×2 (H, Ry, fused real products): half the multiplications of the complex kernel.
    public mutating func applyRealMatrix(_ m00: Double, _ m01: Double, _ m10: Double, _ m11: Double, _ q: Int) {
        let s = 1 << q
        let pairs = dimension >> 1, th = threads
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            StateVector.splitPairs(pairs, threads: th) { k0, k1 in
                StateVector.pairRuns(k0, k1, q) { i0, len in
                    let a = p + 2 * i0, b = p + 2 * (i0 + s)
                    for j in 0..<(2 * len) {
                        let x = a[j], y = b[j]
                        a[j] = m00 * x + m01 * y
                        b[j] = m10 * x + m11 * y
                    }
                }
            }
        }
    }

    /// `Rx(θ) = [[c, −is], [−is, c]]` with `c = cos θ/2`, `s = sin θ/2`.
    public mutating func applyRX(_ c: Double, _ sn: Double, _ q: Int) {
        let s = 1 << q
        let pairs = dimension >> 1, th = threads
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            StateVector.splitPairs(pairs, threads: th) { k0, k1 in
                StateVector.pairRuns(k0, k1, q) { i0, len in
                    for j in i0..<(i0 + len) {
                        let a = p + 2 * j, b = p + 2 * (j + s)
                        let ar = a[0], ai = a[1], br = b[0], bi = b[1]
                        a[0] = c * ar + sn * bi
                        a[1] = c * ai - sn * br
                        b[0] = sn * ai + c * br
                        b[1] = c * bi - sn * ar
                    }
                }
            }
        }
    }


    // MARK: - Work splitting

    /// Calls `body(i0, length)` for the contiguous runs of lower pair indices `i0` (bit q clear)
    /// covering pair numbers `k0..<k1` (pair k ↦ `i0 = insertZero(k, q)`).
    @inline(__always) static func pairRuns(_ k0: Int, _ k1: Int, _ q: Int, _ body: (Int, Int) -> Void) {
        let s = 1 << q
        var k = k0
        while k < k1 {
            let inBlock = k & (s - 1)
            let run = min(s - inBlock, k1 - k)
            body(((k >> q) << (q + 1)) | inBlock, run)
            k += run
        }
    }

    /// Runs `body(k0, k1)` over `pairs` pair numbers, split across `threads` when the state is large.
    @inline(__always) static func splitPairs(_ pairs: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let t = pairs >= 1 << 15 ? max(1, min(threads, 8)) : 1
        if t == 1 { body(0, pairs); return }
        let chunk = (pairs + t - 1) / t
        withoutActuallyEscaping(body) { b in
            let box = _UncheckedBox(b)
            DispatchQueue.concurrentPerform(iterations: t) { w in
                let lo = w * chunk, hi = min(pairs, lo + chunk)
                if lo < hi { box.value(lo, hi) }
            }
        }
    }

    // MARK: - Kernels

    /// General 2×2 on qubit `q`: `(a, b) ← (m₀₀a + m₀₁b, m₁₀a + m₁₁b)` for each pair differing in bit q.
    public mutating func applyMatrix(_ m: ComplexMatrix, _ q: Int) {
        let m00r = m[0, 0].re, m00i = m[0, 0].im, m01r = m[0, 1].re, m01i = m[0, 1].im
        let m10r = m[1, 0].re, m10i = m[1, 0].im, m11r = m[1, 1].re, m11i = m[1, 1].im
        let s = 1 << q
        let pairs = dimension >> 1, th = threads
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            StateVector.splitPairs(pairs, threads: th) { k0, k1 in
                StateVector.pairRuns(k0, k1, q) { i0, len in
                    for j in i0..<(i0 + len) {
                        let a = p + 2 * j, b = p + 2 * (j + s)
                        let ar = a[0], ai = a[1], br = b[0], bi = b[1]
                        a[0] = m00r * ar - m00i * ai + m01r * br - m01i * bi
                        a[1] = m00r * ai + m00i * ar + m01r * bi + m01i * br
                        b[0] = m10r * ar - m10i * ai + m11r * br - m11i * bi
                        b[1] = m10r * ai + m10i * ar + m11r * bi + m11i * br
                    }
                }
            }
        }
    }

    /// `diag(d0, d1)` on qubit `q`; skips the half whose factor is exactly 1.
    public mutating func applyDiagonal(_ d0: Complex, _ d1: Complex, _ q: Int) {
        let s = 1 << q
        let skip0 = d0 == .one
        let pairs = dimension >> 1, th = threads
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            StateVector.splitPairs(pairs, threads: th) { k0, k1 in
                StateVector.pairRuns(k0, k1, q) { i0, len in
                    if !skip0 {
                        for j in i0..<(i0 + len) {
                            let a = p + 2 * j
                            let ar = a[0], ai = a[1]
                            a[0] = d0.re * ar - d0.im * ai
                            a[1] = d0.re * ai + d0.im * ar
                        }
                    }
                    for j in (i0 + s)..<(i0 + s + len) {
                        let a = p + 2 * j
                        let ar = a[0], ai = a[1]
                        a[0] = d1.re * ar - d1.im * ai
                        a[1] = d1.re * ai + d1.im * ar
                    }
                }
            }
        }
    }

    /// `[[0, a01], [a10, 0]]` on qubit `q` (X, Y and phased flips).
    public mutating func applyAntiDiagonal(_ a01: Complex, _ a10: Complex, _ q: Int) {
        let s = 1 << q
        let pairs = dimension >> 1, th = threads
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            StateVector.splitPairs(pairs, threads: th) { k0, k1 in
                StateVector.pairRuns(k0, k1, q) { i0, len in
                    for j in i0..<(i0 + len) {
                        let a = p + 2 * j, b = p + 2 * (j + s)
                        let ar = a[0], ai = a[1], br = b[0], bi = b[1]
                        a[0] = a01.re * br - a01.im * bi
                        a[1] = a01.re * bi + a01.im * br
                        b[0] = a10.re * ar - a10.im * ai
                        b[1] = a10.re * ai + a10.im * ar
                    }
                }
            }
        }
    }

    /// Pauli X on qubit `q`: a pure permutation (swaps, no arithmetic).
    public mutating func applyX(_ q: Int) {
        let s = 1 << q
        let pairs = dimension >> 1, th = threads
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            StateVector.splitPairs(pairs, threads: th) { k0, k1 in
                StateVector.pairRuns(k0, k1, q) { i0, len in
                    let a = p + 2 * i0, b = p + 2 * (i0 + s)
                    for j in 0..<(2 * len) {
                        let t = a[j]
                        a[j] = b[j]
                        b[j] = t
                    }
                }
            }
        }
    }

    @inline(__always) static func insertZero(_ x: Int, _ bit: Int) -> Int {
        ((x >> bit) << (bit + 1)) | (x & ((1 << bit) - 1))
    }

    /// CX: swaps the target pair only where the control bit is 1 (a quarter-size permutation pass).
    public mutating func applyCX(control c: Int, target t: Int) {
        let lo = min(c, t), hi = max(c, t), cb = 1 << c, tb = 1 << t
        let n = dimension >> 2
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for k in 0..<n {
                let i = StateVector.insertZero(StateVector.insertZero(k, lo), hi) | cb
                let a = p + 2 * i, b = p + 2 * (i | tb)
                let r = a[0], im = a[1]
                a[0] = b[0]; a[1] = b[1]; b[0] = r; b[1] = im
            }
        }
    }

    /// A controlled 2×2: `m` on `target` only where `control` is 1.
    public mutating func applyControlled(_ m: ComplexMatrix, control c: Int, target t: Int) {
        let lo = min(c, t), hi = max(c, t), cb = 1 << c, tb = 1 << t
        let n = dimension >> 2
        let m00 = m[0, 0], m01 = m[0, 1], m10 = m[1, 0], m11 = m[1, 1]
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for k in 0..<n {
                let i = StateVector.insertZero(StateVector.insertZero(k, lo), hi) | cb
                let a = p + 2 * i, b = p + 2 * (i | tb)
                let x = Complex(a[0], a[1]), y = Complex(b[0], b[1])
                let u = m00 * x + m01 * y, v = m10 * x + m11 * y
                a[0] = u.re; a[1] = u.im; b[0] = v.re; b[1] = v.im
            }
        }
    }

    /// Multiplies amplitudes with both bits `a` and `b` set by `phase` (CZ for −1, CP(λ) for e^{iλ}).
    public mutating func applyControlledPhase(_ qa: Int, _ qb: Int, _ phase: Complex) {
        let lo = min(qa, qb), hi = max(qa, qb), both = (1 << qa) | (1 << qb)
        let n = dimension >> 2
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for k in 0..<n {
                let a = p + 2 * (StateVector.insertZero(StateVector.insertZero(k, lo), hi) | both)
                let r = a[0], i = a[1]
                a[0] = phase.re * r - phase.im * i
                a[1] = phase.re * i + phase.im * r
            }
        }
    }

    /// A diagonal 2-qubit gate `diag(d₀…d₃)` with local index `b(q0) + 2·b(q1)`.
    public mutating func applyDiagonal2(_ d: [Complex], _ q0: Int, _ q1: Int) {
        let dim = dimension
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for i in 0..<dim {
                let f = d[((i >> q0) & 1) | (((i >> q1) & 1) << 1)]
                let a = p + 2 * i
                let r = a[0], im = a[1]
                a[0] = f.re * r - f.im * im
                a[1] = f.re * im + f.im * r
            }
        }
    }

    /// SWAP of qubits `a` and `b`: exchanges the |…1…0…⟩ and |…0…1…⟩ amplitudes.
    public mutating func applySwap(_ qa: Int, _ qb: Int) {
        let lo = min(qa, qb), hi = max(qa, qb), ab = 1 << qa, bb = 1 << qb
        let n = dimension >> 2
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for k in 0..<n {
                let i = StateVector.insertZero(StateVector.insertZero(k, lo), hi)
                let a = p + 2 * (i | ab), b = p + 2 * (i | bb)
                let r = a[0], im = a[1]
                a[0] = b[0]; a[1] = b[1]; b[0] = r; b[1] = im
            }
        }
    }

    /// Toffoli: swaps the target pair where both controls are 1 (an eighth-size pass).
    public mutating func applyCCX(_ c1: Int, _ c2: Int, target t: Int) {
        let sorted = [c1, c2, t].sorted(), cb = (1 << c1) | (1 << c2), tb = 1 << t
        let n = dimension >> 3
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for k in 0..<n {
                var i = StateVector.insertZero(k, sorted[0])
                i = StateVector.insertZero(i, sorted[1])
                i = StateVector.insertZero(i, sorted[2]) | cb
                let a = p + 2 * i, b = p + 2 * (i | tb)
                let r = a[0], im = a[1]
                a[0] = b[0]; a[1] = b[1]; b[0] = r; b[1] = im
            }
        }
    }

    /// General 4×4 on `(q0, q1)` (local index `b(q0) + 2·b(q1)`); also used for non-unitary
    /// superoperators by the density-matrix simulator.
    public mutating func applyMatrix2(_ m: ComplexMatrix, _ q0: Int, _ q1: Int) {
        let lo = min(q0, q1), hi = max(q0, q1), b0 = 1 << q0, b1 = 1 << q1
        let n = dimension >> 2
        let e = m.elements
        storage.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            var v = [Complex](repeating: .zero, count: 4)
            for k in 0..<n {
                let i = StateVector.insertZero(StateVector.insertZero(k, lo), hi)
                let idx = (i, i | b0, i | b1, i | b0 | b1)
                v[0] = Complex(p[2 * idx.0], p[2 * idx.0 + 1])
                v[1] = Complex(p[2 * idx.1], p[2 * idx.1 + 1])
                v[2] = Complex(p[2 * idx.2], p[2 * idx.2 + 1])
                v[3] = Complex(p[2 * idx.3], p[2 * idx.3 + 1])
                for r in 0..<4 {
                    var s = Complex.zero
                    for c in 0..<4 { s += e[r * 4 + c] * v[c] }
                    let j = r == 0 ? idx.0 : r == 1 ? idx.1 : r == 2 ? idx.2 : idx.3
                    p[2 * j] = s.re; p[2 * j + 1] = s.im
                }
            }
        }
    }

    /// Plain reference: builds the full `2ⁿ × 2ⁿ` action of a k-qubit matrix index by index.
    /// Slow (O(4ⁿ) memory avoided, O(2ⁿ·2ᵏ) time) but obviously correct; tests compare kernels with it.
    public mutating func applyReference(_ m: ComplexMatrix, _ qubits: [Int]) {
        let k = qubits.count, dim = dimension
        let old = amplitudes
        var out = [Complex](repeating: .zero, count: dim)
        for i in 0..<dim {
            var r = 0
            for (j, q) in qubits.enumerated() { r |= ((i >> q) & 1) << j }
            for c in 0..<(1 << k) {
                var src = i
                for (j, q) in qubits.enumerated() { src = (src & ~(1 << q)) | (((c >> j) & 1) << q) }
                out[i] += m[r, c] * old[src]
            }
        }
        for i in 0..<dim { storage[2 * i] = out[i].re; storage[2 * i + 1] = out[i].im }
    }

    // MARK: - Non-unitary steps

    /// Probability that qubit `q` reads 1.
    public func probabilityOfOne(_ q: Int) -> Double {
        var s = 0.0
        for i in 0..<dimension where (i >> q) & 1 == 1 {
            let r = storage[2 * i], m = storage[2 * i + 1]
            s += r * r + m * m
        }
        return s
    }

    /// Projective Z measurement of qubit `q` with the given uniform draw `u ∈ [0,1)`; collapses and
    /// renormalises the state, returns the outcome.
    public mutating func measure(_ q: Int, uniform u: Double) -> Int {
        let p1 = probabilityOfOne(q)
        let outcome = u < p1 ? 1 : 0
        let keep = outcome == 1 ? p1 : 1 - p1
        let scale = keep > 0 ? 1 / keep.squareRoot() : 0
        for i in 0..<dimension {
            if (i >> q) & 1 == outcome { storage[2 * i] *= scale; storage[2 * i + 1] *= scale } else { storage[2 * i] = 0; storage[2 * i + 1] = 0 }
        }
        return outcome
    }

    /// Reset of qubit `q` to |0⟩: measure, then flip if the outcome was 1.
    public mutating func reset(_ q: Int, uniform u: Double) {
        if measure(q, uniform: u) == 1 { applyX(q) }
    }

    /// `⟨ψ|P|ψ⟩` for one Pauli string, computed without copying the state:
    /// `P|j⟩ = i^{#Y}·(−1)^{popcount(j ∧ (Z|Y))}·|j ⊕ (X|Y)⟩`.
    public func expectation(_ term: PauliSum.Term) -> Double {
        let flip = term.xMask | term.yMask, signMask = term.zMask | term.yMask
        let ny = term.yMask.nonzeroBitCount
        var re = 0.0, im = 0.0
        for j in 0..<dimension {
            let k = j ^ flip
            let sr = storage[2 * k], si = -storage[2 * k + 1]  // conj(ψ_k)
            let pr = storage[2 * j], pi = storage[2 * j + 1]
            var tr = sr * pr - si * pi, ti = sr * pi + si * pr
            if (j & signMask).nonzeroBitCount & 1 == 1 { tr = -tr; ti = -ti }
            re += tr; im += ti
        }
        // multiply by i^{ny}
        switch ny & 3 {
        case 0: return re
        case 1: return -im
        case 2: return -re
        default: return im
        }
    }
}
