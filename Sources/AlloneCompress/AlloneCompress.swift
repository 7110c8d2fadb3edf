// The umbrella module: `import AlloneCompress` brings in every public module.
@_exported import TensorCore
@_exported import LinearAlgebra
@_exported import WeightFormats
@_exported import Decomposition
@_exported import Analysis
@_exported import ReferenceLM
@_exported import Compression
@_exported import Reports
@_exported import QuantumBackend
