/// Receives progress from long-running library work. Libraries never print: the CLI renders
/// these calls as a bar on a terminal, and passes `nil` (or a silent reporter) under `--quiet`.
public protocol ProgressReporter: AnyObject {
    /// `completed` of `total` steps are done; `label` names the step in progress.
    func update(completed: Int, total: Int, label: String)
    /// The work finished (successfully or not); the reporter may clear its line.
    func finish()
}
