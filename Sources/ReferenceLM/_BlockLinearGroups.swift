/// One block's linears as they are applied: q/k/v together, the attention output, gate/up together,
/// and down (`_LinearGroup` each).
struct _BlockLinearGroups: Sendable {
    let qkv: _LinearGroup
    let output: _LinearGroup
    let gateUp: _LinearGroup
    let down: _LinearGroup

    init(_ b: LlamaBlockWeights) {
        qkv = _LinearGroup([b.attnQ, b.attnK, b.attnV])
        output = _LinearGroup([b.attnOutput])
        gateUp = _LinearGroup([b.ffnGate, b.ffnUp])
        down = _LinearGroup([b.ffnDown])
    }
}
