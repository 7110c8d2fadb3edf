#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementary functions from the C library, wrapped so the module does not depend on Foundation.
func _log(_ x: Double) -> Double { log(x) }
func _exp(_ x: Double) -> Double { exp(x) }
