/// Errors from reading and writing checkpoints. Every case names the file; parsing errors also
/// name the field and the byte offset where the problem was found.
public enum WeightFormatError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case io(file: String, reason: String)
    /// The file ends before `field` (which needs `needed` bytes at `offset`).
    case truncated(file: String, field: String, offset: Int, needed: Int)
    /// The file's magic bytes are not the format's.
    case badMagic(file: String, found: String)
    /// A version this reader does not accept.
    case unsupportedVersion(file: String, version: Int)
    /// `field` at `offset` holds a value that breaks a rule of the format.
    case invalid(file: String, field: String, offset: Int, reason: String)
    /// `field` at `offset` is larger than the format or the file allows.
    case limitExceeded(file: String, field: String, offset: Int, value: UInt64, limit: UInt64)
    /// A name (tensor or metadata key) appears twice.
    case duplicate(file: String, field: String, name: String)
    /// A tensor or element type this reader does not know.
    case unknownType(file: String, field: String, offset: Int, typeID: Int)
    /// The tensor's stored type cannot be converted to Float32 (e.g. IQ2_XXS, I32).
    case unsupportedConversion(file: String, tensor: String, type: String)
    /// No tensor of that name.
    case tensorNotFound(file: String, name: String)
    /// A tensor holds NaN or infinite values where finite ones are required.
    case nonFinite(file: String, tensor: String, index: Int)
    /// A tensor's shape differs from what the format or the caller requires.
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// Writing failed; no partial file is left.
    case writeFailed(file: String, reason: String)

    /// The file the error is about.
    public var file: String {
        switch self {
        case let .io(f, _), let .truncated(f, _, _, _), let .badMagic(f, _), let .unsupportedVersion(f, _),
             let .invalid(f, _, _, _), let .limitExceeded(f, _, _, _, _), let .duplicate(f, _, _),
             let .unknownType(f, _, _, _), let .unsupportedConversion(f, _, _), let .tensorNotFound(f, _),
             let .nonFinite(f, _, _), let .shapeMismatch(f, _, _, _), let .writeFailed(f, _):
            return f
        }
    }

    /// The field the error is about, when one is known.
    public var field: String? {
        switch self {
        case let .truncated(_, f, _, _), let .invalid(_, f, _, _), let .limitExceeded(_, f, _, _, _),
             let .duplicate(_, f, _), let .unknownType(_, f, _, _):
            return f
        default: return nil
        }
    }

    /// One line starting with the file; parsing errors add the field and the byte offset.
    public var description: String {
        switch self {
        case let .io(f, r): return "\(f): \(r)"
        case let .truncated(f, field, off, n): return "\(f): truncated: \(field) needs \(n) bytes at offset \(off)"
        case let .badMagic(f, found): return "\(f): not a recognised checkpoint (magic \(found))"
        case let .unsupportedVersion(f, v): return "\(f): unsupported version \(v)"
        case let .invalid(f, field, off, r): return "\(f): invalid \(field) at offset \(off): \(r)"
        case let .limitExceeded(f, field, off, v, l): return "\(f): \(field) at offset \(off) is \(v), over the limit \(l)"
        case let .duplicate(f, field, name): return "\(f): duplicate \(field) '\(name)'"
        case let .unknownType(f, field, off, t): return "\(f): unknown type id \(t) in \(field) at offset \(off)"
        case let .unsupportedConversion(f, t, ty): return "\(f): tensor '\(t)' of type \(ty) cannot be converted to F32"
        case let .tensorNotFound(f, n): return "\(f): no tensor named '\(n)'"
        case let .nonFinite(f, t, i): return "\(f): tensor '\(t)' holds a non-finite value at element \(i)"
        case let .shapeMismatch(f, t, e, found): return "\(f): tensor '\(t)' has shape \(found), expected \(e)"
        case let .writeFailed(f, r): return "\(f): write failed: \(r)"
        }
    }
}
