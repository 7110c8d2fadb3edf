import Foundation
import TensorCore
import WeightFormats

extension ComparisonReport {
    /// `report.md`.
    public func markdown() -> String {
        var s = "# allone-compress report: \(model)\n\n"
        s += "Calibration: `\(calibrationText)` (\(calibrationTokens) tokens). Evaluation: `\(evaluationText)` "
        s += "(\(evaluationTokens) tokens, windows of \(context)). Threads: \(threads). Tool \(toolVersion). "
        s += "Wall time \(String(format: "%.0f", seconds)) s.\n\n"
        s += "Dense model: \(denseParameters) parameters (\(denseLinearParameters) in block linear layers), "
        s += "\(denseBytes) bytes as F32, perplexity **\(ClaimEvaluator.g(densePerplexity))**.\n\n"
        s += "## The seed's claims, as measured here\n\n| claim | claimed | measured | verdict |\n|---|---|---|---|\n"
        for c in claims { s += "| (\(c.id)) \(c.statement) | \(c.claimed) | \(c.measured) | **\(c.verdict.rawValue)** |\n" }
        s += "\n"
        for c in claims { s += "- (\(c.id)) \(c.detail)\n" }
        s += "\n## Perplexity by method and budget\n\n"
        s += "Bytes: the stored tensor data (no header) of a compressed checkpoint with these options — factors and dense tensors in "
        s += "the stored type (1-D tensors F32); for the quantization references, ggml blocks (Q8_0: 34 bytes per 32 weights, Q4_0: 18) "
        s += "for the block linear layers and the other tensors as the equal-bytes runs store them. Layer-0 share: of the parameters "
        s += "the run's plan removes, the share removed from layer 0. Heads: specialization preserved, mean over every W_q and W_o.\n\n"
        s += "| method | stored as | target removed | removed | parameters | bytes | perplexity | Δ vs dense | dense matrices | layer-0 share | heads | compress s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for r in runs.sorted(by: { ($0.targetRatio, $0.byteBudget ?? 0, $0.method) < ($1.targetRatio, $1.byteBudget ?? 0, $1.method) }) {
            let target = r.byteBudget.map { "≤ \($0) B" } ?? (r.dtype?.hasPrefix("Q") == true ? "—" : pct(r.targetRatio))
            s += "| \(r.method) | \(r.dtype ?? "F32") | \(target) | \(pct(r.fractionRemoved)) | \(r.parameters) | \(r.bytes) | \(ClaimEvaluator.g(r.perplexity)) | "
            s += "\(ClaimEvaluator.g(r.perplexity - densePerplexity)) | \(r.denseMatrices) | \(r.layerZeroRemovedShare.map { pct($0) } ?? "—") | "
            s += "\(r.headSpecialization.map { f3($0) } ?? "—") | \(String(format: "%.1f", r.compressSeconds)) |\n"
        }
        let notes = runs.compactMap { r in r.note.map { "- \(r.label): \($0)" } }
        if !notes.isEmpty { s += "\n" + notes.joined(separator: "\n") + "\n" }
        let references = runs.filter { $0.dtype?.hasPrefix("Q") == true }
        if !references.isEmpty {
            s += "\n## At equal bytes\n\nEach quantization reference against our methods planned at the reference's byte size "
            s += "(`Compressor` byte budget, factors and dense tensors stored \(ReportRunner.equalBytesDType.rawValue)). Dense F32: \(denseBytes) bytes.\n\n"
            s += "| reference | bytes | perplexity | ours | bytes | removed | perplexity |\n|---|---|---|---|---|---|---|\n"
            for q in references {
                let ours = runs.filter { $0.byteBudget == q.bytes }.sorted { $0.method > $1.method }
                for o in ours {
                    s += "| \(q.method) | \(q.bytes) | \(ClaimEvaluator.g(q.perplexity)) | \(o.method) \(o.dtype ?? "") | \(o.bytes) | \(pct(o.fractionRemoved)) | \(ClaimEvaluator.g(o.perplexity)) |\n"
                }
                if ours.isEmpty {
                    s += "| \(q.method) | \(q.bytes) | \(ClaimEvaluator.g(q.perplexity)) | not run (needs masvd+best or masvd+alloc), or failed (below) | — | — | — |\n"
                }
            }
        }
        if let f = failures, !f.isEmpty {
            s += "\n## Runs that failed\n\n" + f.map { "- \($0)" }.joined(separator: "\n") + "\n"
        }
        s += "\n## Layers\n\nLayer 0 holds \(pct(layerZeroShare)) of the compressible mass (proxy of claim (c): parameters saved at 95% weight energy per matrix).\n\n| layer | mean H/ln r | mean eff. rank / min(m,n) |\n|---|---|---|\n"
        for (i, (h, e)) in zip(layerEntropy, layerEffectiveRank).enumerated() { s += "| \(i) | \(f3(h)) | \(f3(e)) |\n" }
        return s
    }

    /// `report.html`: self-contained, inline SVG plots.
    public func html() -> String {
        func seriesName(_ r: Run) -> String { r.byteBudget != nil ? "\(r.method) \(r.dtype ?? "") at reference bytes" : r.method }
        let methods = Array(Set(runs.map(seriesName))).sorted()
        func series(_ x: (Run) -> Double) -> [SVGChart.Series] {
            [SVGChart.Series(name: "dense", points: [(x(Run(method: "dense", targetRatio: 0, fractionRemoved: 0, parameters: denseParameters, bytes: denseBytes, perplexity: densePerplexity, meanNLL: 0, compressSeconds: 0, denseMatrices: 0)), densePerplexity)])]
                + methods.map { m in .init(name: m, points: runs.filter { seriesName($0) == m }.sorted { x($0) < x($1) }.map { (x($0), $0.perplexity) }) }
        }
        let byParams = SVGChart(title: "Perplexity vs parameters kept", xLabel: "parameters", yLabel: "perplexity", logY: true)
            .lines(series { Double($0.parameters) })
        let byBytes = SVGChart(title: "Perplexity vs stored bytes (low-rank F32 unless marked; quantization at its own size)", xLabel: "bytes", yLabel: "perplexity", logY: true)
            .lines(series { Double($0.bytes) })
        let layers = SVGChart(title: "Per-layer spectral entropy and effective rank", xLabel: "layer", yLabel: "ratio")
            .lines([.init(name: "H / ln r", points: layerEntropy.enumerated().map { (Double($0.offset), $0.element) }),
                    .init(name: "eff. rank / min(m,n)", points: layerEffectiveRank.enumerated().map { (Double($0.offset), $0.element) })])
        let spectraChart = SVGChart(title: "Singular values of chosen matrices", xLabel: "index", yLabel: "σ", logY: true)
            .lines(spectra.keys.sorted().map { k in .init(name: k, points: spectra[k]!.enumerated().map { (Double($0.offset), $0.element) }) })
        var heat = ""
        let planned = runs.filter { !$0.keptFractions.isEmpty && $0.byteBudget == nil }
        let product = ClaimEvaluator.productMethod(runs)
        if let r = planned.filter({ $0.method == product }).min(by: { $0.targetRatio < $1.targetRatio })
            ?? planned.filter({ $0.method.contains("alloc") }).min(by: { $0.targetRatio < $1.targetRatio }) ?? planned.first {
            let kinds = Array(Set(matrixLabels.map { Self.kind(of: $0) })).sorted()
            let layerIDs = Array(Set(matrixLabels.compactMap { Self.layer(of: $0) })).sorted()
            var grid = [[Double]](repeating: [Double](repeating: .nan, count: kinds.count), count: layerIDs.count)
            for (i, label) in matrixLabels.enumerated() where i < r.keptFractions.count {
                if let l = Self.layer(of: label), let li = layerIDs.firstIndex(of: l), let ki = kinds.firstIndex(of: Self.kind(of: label)) {
                    grid[li][ki] = r.keptFractions[i] >= 1 ? .nan : r.keptFractions[i]
                }
            }
            heat = SVGChart(title: "Rank allocation (\(r.method), \(pct(r.targetRatio)) removed): kept fraction, grey = dense", xLabel: "", yLabel: "")
                .heatmap(rows: layerIDs.map { "layer \($0)" }, columns: kinds, values: grid)
        }
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>allone-compress report</title>
        <style>body{font-family:sans-serif;max-width:1050px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px}th{background:#f4f4f4}</style>
        </head><body>
        <h1>allone-compress report</h1>
        \(byParams)\n\(byBytes)\n\(layers)\n\(heat)\n\(spectraChart)
        \(HTMLMarkdown.tables(markdown()))
        </body></html>
        """
    }

    /// `report.json`: every figure.
    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(self)
    }

    /// Writes report.md, report.html and report.json into `directory` (created if needed), atomically.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try ReportFiles.write(Data(markdown().utf8), to: directory + "/report.md")
        try ReportFiles.write(Data(html().utf8), to: directory + "/report.html")
        try ReportFiles.write(try json(), to: directory + "/report.json")
    }

    /// The layer of a block tensor, GGUF (`blk.N.…`) or Hugging Face (`model.layers.N.…`) name.
    static func layer(of label: String) -> Int? { TensorRole(name: label)?.layer }

    /// The kind of a block tensor (`attn_q`, `ffn_down`, …, GGUF spelling for either naming).
    static func kind(of label: String) -> String { TensorRole(name: label)?.kind.rawValue ?? label }
}
