/// How attention heads sit in a projection matrix stored (out, in) as checkpoints store it.
public enum HeadAxis: String, Sendable, Equatable, Codable {
    /// Head h owns rows h·d ..< (h+1)·d (W_q, W_k, W_v: each head produces d outputs).
    case rows
    /// Head h owns columns h·d ..< (h+1)·d (W_o: each head's d values feed the output).
    case columns
}
