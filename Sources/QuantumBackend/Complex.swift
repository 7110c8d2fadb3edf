/// A complex number in Float64, the element type of every quantum state and operator here.
///
/// Deliberately small: the arithmetic a state-vector simulator and 4×4 linear algebra need,
/// nothing more. `Complex(re, im)` is `re + i·im`.
public struct Complex: Hashable, Sendable, CustomStringConvertible {
    /// Real part.
    public var re: Double
    /// Imaginary part.
    public var im: Double

    /// `re + i·im`; a single argument gives a real number.
    @inlinable public init(_ re: Double, _ im: Double = 0) { self.re = re; self.im = im }

    /// The additive identity `0 + 0i`.
    public static let zero = Complex(0, 0)
    /// The multiplicative identity `1 + 0i`.
    public static let one = Complex(1, 0)
    /// The imaginary unit, `i² = −1`.
    public static let i = Complex(0, 1)

    /// `e^{iθ}`.
    @inlinable public static func phase(_ theta: Double) -> Complex { Complex(_cos(theta), _sin(theta)) }

    /// The complex conjugate `z* = re − i·im`.
    @inlinable public var conjugate: Complex { Complex(re, -im) }
    /// `|z|²`.
    @inlinable public var normSquared: Double { re * re + im * im }
    /// `|z|`.
    @inlinable public var magnitude: Double { normSquared.squareRoot() }
    /// The argument in (−π, π].
    @inlinable public var argument: Double { _atan2(im, re) }

    /// Product `(a.re·b.re − a.im·b.im) + i·(a.re·b.im + a.im·b.re)` (schoolbook, no fused operations).
    /// Negation `−z`.
    /// Component-wise difference.
    /// Component-wise sum.
    @inlinable public static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    @inlinable public static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    @inlinable public static prefix func - (a: Complex) -> Complex { Complex(-a.re, -a.im) }
    @inlinable public static func * (a: Complex, b: Complex) -> Complex {
        Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    /// Quotient `a·b*/|b|²` (no rescaling against overflow; division by zero gives NaN/∞ components).
    /// Real scalar times complex.
    @inlinable public static func * (a: Double, b: Complex) -> Complex { Complex(a * b.re, a * b.im) }
    @inlinable public static func / (a: Complex, b: Complex) -> Complex {
        let d = b.normSquared
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    /// In-place product.
    /// In-place sum.
    @inlinable public static func += (a: inout Complex, b: Complex) { a = a + b }
    @inlinable public static func *= (a: inout Complex, b: Complex) { a = a * b }

    /// `re+imi` with Swift's shortest round-tripping decimals, e.g. `0.5-1.0i`.
    public var description: String { im >= 0 ? "\(re)+\(im)i" : "\(re)\(im)i" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@usableFromInline func _cos(_ x: Double) -> Double { cos(x) }
@usableFromInline func _sin(_ x: Double) -> Double { sin(x) }
@usableFromInline func _atan2(_ y: Double, _ x: Double) -> Double { atan2(y, x) }
