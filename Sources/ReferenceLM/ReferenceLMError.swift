import WeightFormats

/// Errors of the reference runtime. Every case says what was expected; none traps.
public enum ReferenceLMError: Error, CustomStringConvertible, Equatable {
    /// A configuration value is missing or breaks a rule (`field` names the key or header field).
    case invalidConfig(source: String, field: String, reason: String)
    /// The checkpoint lacks a tensor the architecture needs.
    case missingTensor(source: String, name: String)
    /// A tensor's shape differs from the one the config implies.
    case shapeMismatch(source: String, tensor: String, expected: [Int], found: [Int])
    /// A weight holds NaN or ±Inf.
    case nonFinite(source: String, tensor: String, index: Int)
    /// A token id outside `0..<vocabularySize`.
    case tokenOutOfRange(token: Int, vocabularySize: Int)
    /// A forward pass would run past the KV cache's capacity.
    case contextOverflow(position: Int, capacity: Int)
    /// An argument outside its documented range.
    case invalidArgument(String)
    /// A file could not be read or written, or is not in the expected format.
    case file(path: String, reason: String)
    /// The underlying weight reader refused the checkpoint.
    case weights(WeightFormatError)

    /// One line starting with the checkpoint path where there is one, e.g. `PATH: missing tensor 'output_norm.weight'`.
    public var description: String {
        switch self {
        case let .invalidConfig(s, f, r): return "\(s): invalid config \(f): \(r)"
        case let .missingTensor(s, n): return "\(s): missing tensor '\(n)'"
        case let .shapeMismatch(s, t, e, f): return "\(s): tensor '\(t)' has shape \(f), expected \(e)"
        case let .nonFinite(s, t, i): return "\(s): tensor '\(t)' holds a non-finite value at element \(i)"
        case let .tokenOutOfRange(t, v): return "token id \(t) outside the vocabulary 0..<\(v)"
        case let .contextOverflow(p, c): return "position \(p) exceeds the KV cache capacity \(c)"
        case let .invalidArgument(s): return s
        case let .file(p, r): return "\(p): \(r)"
        case let .weights(e): return e.description
        }
    }
}
