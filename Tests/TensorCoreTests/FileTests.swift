import Foundation
import Testing
@testable import TensorCore

@Suite struct FileTests {
    func tmp() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.path
    }

    @Test func atomicCommitWritesAndMappedFileReadsBack() throws {
        let dir = tmp()
        let path = dir + "/out.bin"
        let w = try AtomicFile(path: path)
        try w.writeLE(UInt32(0xDEADBEEF))
        try w.write(floats: [1.5, -2])
        try w.write([UInt8](repeating: 7, count: 3 << 20)) // larger than the internal buffer
        try w.commit()
        let m = try MappedFile(path: path)
        #expect(m.count == 4 + 8 + (3 << 20))
        #expect(m.readLE(UInt32.self, at: 0) == 0xDEADBEEF)
        #expect(m.readLE(UInt32.self, at: 4).map { Float(bitPattern: $0) } == 1.5)
        #expect(m.readLE(UInt8.self, at: m.count - 1) == 7)
        #expect(m.readLE(UInt16.self, at: m.count - 1) == nil)  // crosses the end
        #expect(m.slice(offset: Int.max, length: 2) == nil)      // overflow-safe
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.bin"])
    }

    @Test func droppedWriterLeavesNothing() throws {
        let dir = tmp()
        let path = dir + "/never.bin"
        do {
            let w = try AtomicFile(path: path)
            try w.write([1, 2, 3])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func missingAndNonRegularFilesAreRefused() {
        #expect(throws: TensorCoreError.self) { try MappedFile(path: "/nonexistent/x.bin") }
        #expect(throws: TensorCoreError.self) { try MappedFile(path: "/tmp") }
    }

    @Test func tensorElementCountChecksOverflow() {
        #expect(Tensor.elementCount([2, 3]) == 6)
        #expect(Tensor.elementCount([Int.max, 2]) == nil)
        #expect(Tensor.elementCount([-1]) == nil)
        #expect(Tensor(shape: [2, 2], storage: [1, 2, 3]) == nil)
    }
}
