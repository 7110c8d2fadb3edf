/// The tool's version, recorded in every file it writes.
public enum AlloneVersion {
    public static let string = "0.1.0-dev"
}
