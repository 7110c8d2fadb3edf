import ArgumentParser
import AlloneCompress

/// `allone-bench`: benchmarks run side by side with peer tools; see docs/BENCHMARKS.md.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allone-bench",
        abstract: "Benchmarks of allone-compress, side by side with peers (see docs/BENCHMARKS.md).",
        subcommands: [
            SafeTensorsBench.self,
            GGUFBench.self,
            SVDBench.self,
            QuantumBench.self,
            EvalBench.self,
            CompressBench.self,
            AblateBench.self,
        ]
    )
}
