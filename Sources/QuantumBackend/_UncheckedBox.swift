/// Lets a non-escaping closure cross `concurrentPerform`'s boundary; the workers touch disjoint ranges.
struct _UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
