import AlloneCompress
import Foundation

/// Renders `ProgressReporter` calls as a one-line bar on standard error, only when standard error
/// is a terminal; silent otherwise (pipelines, `--quiet`, `--json`).
final class TerminalProgress: ProgressReporter {
    private let enabled: Bool
    private let title: String
    private var lastDraw = Date.distantPast

    /// A reporter for `title`; `quiet` silences it.
    init(_ title: String, quiet: Bool) {
        self.title = title
        self.enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    func update(completed: Int, total: Int, label: String) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || completed == total else { return }
        lastDraw = now
        let width = 30
        let filled = total > 0 ? min(width, width * completed / total) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r\(title) [\(bar)] \(completed)/\(total) \(label.prefix(40))"
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
