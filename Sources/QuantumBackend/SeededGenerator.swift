import TensorCore

/// The simulator's seeded generator: TensorCore's SplitMix64 (one implementation for the whole package).
typealias SeededGenerator = SplitMix64

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@usableFromInline func _log(_ x: Double) -> Double { log(x) }
@usableFromInline func _exp(_ x: Double) -> Double { exp(x) }
