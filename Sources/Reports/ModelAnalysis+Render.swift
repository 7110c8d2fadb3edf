import Analysis
import Foundation

extension ModelAnalysis {
    /// A Markdown report: per-layer table (layer 0 first), per-kind table, the layer-0 share of the
    /// compressible mass with a plain statement of what it says about the seed's claim, and the
    /// per-matrix table.
    public func markdown() -> String {
        var s = "# Spectral analysis of \(source)\n\nFormat: \(format). \(matrices.count) block linear matrices. "
        s += "Compressible mass: parameters saved if every matrix is cut to the smallest rank that keeps "
        s += "\(pct(1 - tolerance)) of its \(matrices.first?.whitened != nil ? "whitened (output)" : "weight") energy "
        s += "(dense when that rank is past break-even).\n\n"
        s += "## Where compression can come from, per layer\n\n| layer | matrices | parameters | mean eff. rank / min(m,n) | mean H/ln r | compressible mass | share |\n|---|---|---|---|---|---|---|\n"
        for g in byLayer {
            s += "| \(g.key) | \(g.matrixCount) | \(g.parameterCount) | \(f3(g.meanEffectiveRankRatio)) | \(f3(g.meanNormalizedEntropy)) | \(g.compressibleMass) | \(pct(g.massShare)) |\n"
        }
        s += "\n## Per kind\n\n| kind | matrices | mean eff. rank / min(m,n) | mean H/ln r | share of mass |\n|---|---|---|---|---|\n"
        for g in byKind {
            s += "| \(g.key) | \(g.matrixCount) | \(f3(g.meanEffectiveRankRatio)) | \(f3(g.meanNormalizedEntropy)) | \(pct(g.massShare)) |\n"
        }
        s += "\n## The layer-0 claim\n\n" + layerZeroStatement() + "\n\n"
        s += "## Per matrix\n\n| matrix | shape | entropy | eff. rank | stable rank | rank for \(pct(1 - tolerance)) energy | break-even |\n|---|---|---|---|---|---|---|\n"
        for m in matrices {
            let d = m.driving
            s += "| \(m.label) | \(m.rows)×\(m.columns) | \(f3(d.spectralEntropy)) | \(f3(d.effectiveRank)) | \(f3(d.stableRank)) | \(d.rank(capturing: 1 - tolerance)) | \(m.breakEvenRank) |\n"
        }
        return s
    }

    /// One honest sentence on the seed's "49–97% of the compression happens in layer 0" claim.
    public func layerZeroStatement() -> String {
        let layers = Set(matrices.compactMap(\.layer)).count
        let share = layerZeroShare
        let uniform = layers > 0 ? 1.0 / Double(layers) : 0
        let verdict = share >= 0.49 ? "supports the claim (49–97%)" : "does not support the claim (49–97%)"
        return "Layer 0 holds \(pct(share)) of the compressible mass across \(layers) layers "
            + "(an even spread would give \(pct(uniform))). Measured on this model, this \(verdict)."
    }

    /// A self-contained HTML page with inline SVG plots (per-layer entropy and effective rank,
    /// per-layer share of the compressible mass, spectra of layer 0's matrices) and the tables.
    public func html() -> String {
        let layers = byLayer
        let entropyChart = SVGChart(title: "Mean normalised spectral entropy per layer", xLabel: "layer", yLabel: "H / ln r")
            .lines([.init(name: "entropy", points: layers.enumerated().map { (Double($0.offset), $0.element.meanNormalizedEntropy) }),
                    .init(name: "eff. rank ratio", points: layers.enumerated().map { (Double($0.offset), $0.element.meanEffectiveRankRatio) })])
        let massChart = SVGChart(title: "Share of compressible mass per layer", xLabel: "layer", yLabel: "share")
            .bars(layers.map { ($0.key.replacingAll("layer ", "L"), $0.massShare) }, highlightFirst: true)
        let firstLayer = matrices.filter { $0.layer == 0 }
        let spectra = SVGChart(title: "Singular values, layer 0", xLabel: "index", yLabel: "σ", logY: true)
            .lines(firstLayer.map { m in .init(name: m.kind ?? m.label, points: m.driving.singularValues.enumerated().map { (Double($0.offset), $0.element) }) })
        let md = markdown()
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>allone-compress analysis</title>
        <style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f4f4f4}</style>
        </head><body>
        <h1>Spectral analysis</h1><p>\(SVGChart.escape(source)) (\(SVGChart.escape(format)))</p>
        <p><b>\(SVGChart.escape(layerZeroStatement()))</b></p>
        \(entropyChart)\n\(massChart)\n\(spectra)
        \(HTMLMarkdown.tables(md))
        </body></html>
        """
    }

    /// Every figure as JSON.
    public func json() throws -> Data {
        struct Out: Encodable {
            var source: String, format: String, tolerance: Double, layerZeroShare: Double, statement: String
            var byLayer: [GroupSummary], byKind: [GroupSummary], matrices: [MatrixReport]
        }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(Out(source: source, format: format, tolerance: tolerance, layerZeroShare: layerZeroShare,
                                statement: layerZeroStatement(), byLayer: byLayer, byKind: byKind, matrices: matrices))
    }
}

func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
func f3(_ v: Double) -> String { String(format: "%.3f", v) }

/// Converts the pipe tables and headings of our own Markdown into HTML (enough for our reports).
enum HTMLMarkdown {
    static func tables(_ md: String) -> String {
        var out = ""
        var inTable = false
        for line in md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("|") {
                let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                if cells.allSatisfy({ $0.allSatisfy { $0 == "-" } }) { continue }
                if !inTable { out += "<table>"; inTable = true
                    out += "<tr>" + cells.map { "<th>\(SVGChart.escape($0))</th>" }.joined() + "</tr>"
                } else {
                    out += "<tr>" + cells.map { "<td>\(SVGChart.escape($0))</td>" }.joined() + "</tr>"
                }
                continue
            }
            if inTable { out += "</table>\n"; inTable = false }
            if line.hasPrefix("## ") { out += "<h2>\(SVGChart.escape(String(line.dropFirst(3))))</h2>\n" }
            else if line.hasPrefix("# ") { continue }
            else if !line.isEmpty { out += "<p>\(SVGChart.escape(line))</p>\n" }
        }
        if inTable { out += "</table>\n" }
        return out
    }
}
