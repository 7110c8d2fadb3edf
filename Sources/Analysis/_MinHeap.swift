/// A binary min-heap on `(key, tie, payload)`; ties broken by `tie` then insertion order. Internal.
struct _MinHeap {
    struct Entry { let key: Double; let tie: Int; let serial: Int; let matrix: Int; let target: Int }
    private var items: [Entry] = []
    private var serial = 0

    var isEmpty: Bool { items.isEmpty }

    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.tie != b.tie { return a.tie < b.tie }
        return a.serial < b.serial
    }

    mutating func push(key: Double, tie: Int, matrix: Int, target: Int) {
        items.append(Entry(key: key, tie: tie, serial: serial, matrix: matrix, target: target))
        serial += 1
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if _MinHeap.less(items[i], items[p]) { items.swapAt(i, p); i = p } else { break }
        }
    }

    mutating func pop() -> Entry? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var s = i
            if l < items.count, _MinHeap.less(items[l], items[s]) { s = l }
            if r < items.count, _MinHeap.less(items[r], items[s]) { s = r }
            if s == i { break }
            items.swapAt(i, s); i = s
        }
        return top
    }
}
