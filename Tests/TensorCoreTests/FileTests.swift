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

    @Test func destinationsThatCannotBeCommittedAreRefusedUpFront() throws {
        let dir = URL(fileURLWithPath: tmp())
        let file = dir.appendingPathComponent("f.bin").path
        try Data([1]).write(to: URL(fileURLWithPath: file))
        func reason(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch let TensorCoreError.badDestination(_, r) { return r } catch { return "\(error)" }
        }
        // Accepted: a new file in an existing folder, an existing file (replaced), a bare name (the working folder).
        #expect(reason { try AtomicFile.checkDestination(dir.appendingPathComponent("new.bin").path) } == nil)
        #expect(reason { try AtomicFile.checkDestination(file) } == nil)
        #expect(reason { try AtomicFile.checkDestination("bare-name.bin") } == nil)
        // Refused, naming the cause.
        #expect(reason { try AtomicFile.checkDestination(dir.path) } == "it is an existing folder")
        #expect(reason { try AtomicFile.checkDestination(dir.path + "/") } == "it is an existing folder")
        #expect(reason { try AtomicFile.checkDestination(dir.path + "/missing/x.bin") } == "the folder \(dir.path)/missing does not exist")
        #expect(reason { try AtomicFile.checkDestination(file + "/x.bin") } == "\(file) is not a folder")
        #expect(throws: TensorCoreError.badDestination(path: dir.path, reason: "it is an existing folder")) { try AtomicFile.checkDestination(dir.path) }
        // The same check really predicts AtomicFile: an existing folder fails at the final rename.
        let w = try AtomicFile(path: dir.path)
        #expect(throws: TensorCoreError.self) { try w.commit() }
        // Folders (created with their parents by the writer).
        #expect(reason { try AtomicFile.checkFolderDestination(dir.path) } == nil)
        #expect(reason { try AtomicFile.checkFolderDestination(dir.path + "/a/b/c") } == nil)
        #expect(reason { try AtomicFile.checkFolderDestination(file) } == "it is an existing file, not a folder")
        #expect(reason { try AtomicFile.checkFolderDestination(file + "/sub/dir") } == "\(file) is a file, not a folder")
        #expect(AtomicFile.parent(of: "/x") == "/" && AtomicFile.parent(of: "x") == "." && AtomicFile.parent(of: "a/b/") == "a")
    }

    @Test func tensorElementCountChecksOverflow() {
        #expect(Tensor.elementCount([2, 3]) == 6)
        #expect(Tensor.elementCount([Int.max, 2]) == nil)
        #expect(Tensor.elementCount([-1]) == nil)
        #expect(Tensor(shape: [2, 2], storage: [1, 2, 3]) == nil)
    }
}

/// `MappedFile.releasePages` drops resident pages without changing what the mapping reads.
@Suite struct MappedFileReleaseTests {
    @Test func contentsSurviveReleasingPages() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("release-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        try Data(bytes).write(to: url)
        let m = try MappedFile(path: url.path)
        #expect(Array(m.bytes) == bytes)
        m.releasePages(offset: 5_000, length: 9_000)
        m.releasePages(offset: 19_999, length: 1_000_000)  // clamped
        m.releasePages(offset: -3, length: 10)              // ignored
        #expect(Array(m.bytes) == bytes)
    }
}
