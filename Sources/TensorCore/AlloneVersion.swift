/// The tool's version, recorded in every file it writes.
public enum AlloneVersion {
    /// Semantic version (semver 2.0) of this build, e.g. `0.1.0-dev`; written into output metadata so a file
    /// names the tool version that produced it.
    public static let string = "0.1.0-dev"
}
