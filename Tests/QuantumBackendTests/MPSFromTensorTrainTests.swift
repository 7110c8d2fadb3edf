import Decomposition
import Testing
@testable import QuantumBackend

/// The engine's TT-SVD feeds the circuit encoder: an MPS made from `TensorTrain.decompose` of a state
/// with known bond dimension 2 reproduces the state, keeps bond 2, and its Ran staircase circuit
/// prepares it exactly (fidelity 1 with one layer).
@Suite struct MPSFromTensorTrainTests {
    @Test func bondTwoTrainEncodesExactly() throws {
        // GHZ-like + product mixture on 6 qubits has Schmidt rank ≤ 2 at every cut.
        let n = 6
        var psi = [Double](repeating: 0, count: 1 << n)
        psi[0] = 0.6; psi[(1 << n) - 1] = 0.8
        let train = try TensorTrain.decompose(psi.map(Float.init), shape: [Int](repeating: 2, count: n),
                                              truncation: .relativeAccuracy(0))
        #expect(train.ranks.max() == 2)
        let mps = try MatrixProductState(train: train)
        #expect(mps.bondDimensions.max() == 2)
        let back = mps.dense()
        for (a, b) in zip(back, psi) { #expect(abs(a - b) < 1e-6) }
        let encoded = try MPSCircuitEncoder.encode(back, layers: 1)
        #expect(abs((encoded.fidelities.first ?? 0) - 1) < 1e-9)
        #expect(throws: QuantumError.self) {
            try MatrixProductState(train: try TensorTrain.decompose([1, 2, 3], shape: [3], truncation: .relativeAccuracy(0)))
        }
    }
}
