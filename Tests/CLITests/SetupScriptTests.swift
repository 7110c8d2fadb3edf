import Foundation
import Testing
import TestSupport

/// `scripts/setup` on a fresh Debian machine: the apt step installs what the script itself needs
/// (ca-certificates, python3, python3-pip, python3-venv for --peers) only when it is missing.
/// Run with `--check` (print the packages, install nothing) in a copy of the script, under a PATH of
/// stubs standing for dpkg, python3 and sha256sum.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/bash"), "needs /bin/bash"))
struct SetupScriptTests {
    /// Runs `setup --check extra…` in a scratch repository. `installed`: packages the dpkg stub
    /// knows; `python`: nil (no python3), or the exit status of `python3 -m pip` and of the venv probe;
    /// `modelPresent`: the model file exists and sha256sum reports its expected hash.
    func check(_ extra: [String] = [], installed: [String] = [], python: (pip: Int32, venv: Int32)? = nil,
               modelPresent: Bool = false) throws -> String {
        let root = TestPaths.temporaryDirectory("setup")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("scripts"), withIntermediateDirectories: true)
        let script = root.appendingPathComponent("scripts/setup").path
        try fm.copyItem(atPath: TestPaths.repositoryRoot.appendingPathComponent("scripts/setup").path, toPath: script)
        let bin = root.appendingPathComponent("bin")
        try fm.createDirectory(at: bin, withIntermediateDirectories: true)
        func stub(_ name: String, _ body: String) throws {
            let p = bin.appendingPathComponent(name).path
            try Data("#!/bin/bash\n\(body)\n".utf8).write(to: URL(fileURLWithPath: p))
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: p)
        }
        try stub("dirname", "exec /usr/bin/dirname \"$@\"")
        try stub("id", "exec /usr/bin/id \"$@\"")
        try stub("cut", "exec /usr/bin/cut \"$@\"")
        try stub("dpkg", "case \" \(installed.joined(separator: " ")) \" in *\" $2 \"*) exit 0;; esac; exit 1")
        try stub("sha256sum", "echo \"b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53  $1\"")
        if let python {
            try stub("python3", "if [ \"$1\" = -m ]; then exit \(python.pip); fi; exit \(python.venv)")
        }
        if modelPresent {
            try fm.createDirectory(at: root.appendingPathComponent("Models/cache"), withIntermediateDirectories: true)
            try Data("gguf".utf8).write(to: root.appendingPathComponent("Models/cache/SmolLM2-135M-Instruct.Q4_1.gguf"))
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script, "--check"] + extra
        p.environment = ["PATH": bin.path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(String(decoding: e, as: UTF8.self))")
        return String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aBareDebianGetsTheLibrariesAndWhatTheScriptRuns() throws {
        let libs = "libopenblas-dev liblapacke-dev libzstd-dev pkg-config"
        #expect(try check() == "\(libs) ca-certificates python3 python3-pip")
        #expect(try check(["--peers"]) == "\(libs) ca-certificates python3 python3-pip python3-venv")
    }

    @Test func onlyWhatIsMissingIsInstalled() throws {
        let all = ["libopenblas-dev", "liblapacke-dev", "libzstd-dev", "pkg-config", "ca-certificates"]
        // A python3 without pip or venv (Debian's python3 alone).
        #expect(try check(installed: all, python: (pip: 1, venv: 1)) == "python3-pip")
        #expect(try check(["--peers"], installed: all, python: (pip: 1, venv: 1)) == "python3-pip python3-venv")
        // Everything there: nothing to install (a second run is a no-op).
        #expect(try check(["--peers"], installed: all, python: (pip: 0, venv: 0)) == "")
        // The model already fetched and no --peers: Python and certificates are not needed at all.
        #expect(try check(installed: Array(all.prefix(4)), modelPresent: true) == "")
        #expect(try check(modelPresent: true) == "libopenblas-dev liblapacke-dev libzstd-dev pkg-config")
    }
}
