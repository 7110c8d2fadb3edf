/// One tensor's NaN and infinite values, as `Compressor.nonFiniteTensors(in:)` finds them.
public struct NonFiniteTensor: Equatable, Sendable, CustomStringConvertible {
    /// The tensor's name in the checkpoint.
    public var name: String
    /// Elements that are NaN.
    public var nanCount: Int
    /// Elements that are +∞ or −∞.
    public var infinityCount: Int
    /// Flat (row-major) index of the first non-finite element.
    public var firstIndex: Int

    public init(name: String, nanCount: Int, infinityCount: Int, firstIndex: Int) {
        self.name = name; self.nanCount = nanCount; self.infinityCount = infinityCount; self.firstIndex = firstIndex
    }

    /// `'name' (2 NaN, 1 infinite; first at element 5)`.
    public var description: String {
        let parts = [nanCount > 0 ? "\(nanCount) NaN" : nil, infinityCount > 0 ? "\(infinityCount) infinite" : nil].compactMap { $0 }
        return "'\(name)' (\(parts.joined(separator: ", ")); first at element \(firstIndex))"
    }
}
