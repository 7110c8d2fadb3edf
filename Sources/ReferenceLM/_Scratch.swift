/// A zero-filled Float buffer owned by a class (freed with it): scratch space of the forward pass.
final class _Scratch {
    let p: UnsafeMutablePointer<Float>
    let count: Int
    init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: Swift.max(1, count))
        p.initialize(repeating: 0, count: Swift.max(1, count))
    }
    deinit { p.deallocate() }
}
