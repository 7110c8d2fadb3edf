// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "allone-compress",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "AlloneCompress", targets: ["AlloneCompress"]),
        .executable(name: "allone-compress", targets: ["allone-compress"]),
        .executable(name: "allone-bench", targets: ["allone-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries (see ../shared/RECIPES.md): OpenBLAS CBLAS, LAPACKE, zstd.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        .target(name: "CSHA256"),
        .target(name: "TensorCore", dependencies: ["CSHA256"]),
        .target(name: "LinearAlgebra", dependencies: ["CBLAS", "CLAPACKE", "TensorCore"]),
        .target(name: "WeightFormats", dependencies: ["TensorCore", "CZstd"]),
        .target(name: "Decomposition", dependencies: ["LinearAlgebra", "TensorCore"]),
        .target(name: "Analysis", dependencies: ["Decomposition", "LinearAlgebra", "TensorCore"]),
        .target(name: "ReferenceLM", dependencies: ["WeightFormats", "LinearAlgebra", "Decomposition", "TensorCore"]),
        .target(name: "Compression", dependencies: ["Analysis", "ReferenceLM", "WeightFormats", "Decomposition", "LinearAlgebra", "TensorCore", "CZstd"]),
        .target(name: "Reports", dependencies: ["Compression", "Analysis", "ReferenceLM", "TensorCore"]),
        .target(name: "QuantumBackend", dependencies: ["TensorCore", "LinearAlgebra", "Decomposition"]),
        .target(name: "AlloneCompress", dependencies: [
            "TensorCore", "LinearAlgebra", "WeightFormats", "Decomposition", "Analysis",
            "ReferenceLM", "Compression", "Reports", "QuantumBackend",
        ]),
        .executableTarget(name: "allone-compress", dependencies: [
            "AlloneCompress",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "allone-bench", dependencies: [
            "AlloneCompress",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", dependencies: ["TensorCore"]),

        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"]),
        .testTarget(name: "WeightFormatsTests", dependencies: ["WeightFormats", "TestSupport"]),
        .testTarget(name: "DecompositionTests", dependencies: ["Decomposition", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Decomposition", "TestSupport"]),
        .testTarget(name: "ReferenceLMTests", dependencies: ["ReferenceLM", "WeightFormats", "TestSupport"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression", "TestSupport"]),
        .testTarget(name: "QuantumBackendTests", dependencies: ["QuantumBackend", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
    ]
)
