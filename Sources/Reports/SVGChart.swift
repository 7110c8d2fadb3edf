/// Small self-contained SVG charts (no scripts, no external assets) for the HTML reports.
public struct SVGChart: Sendable {
    /// One plotted series.
    public struct Series: Sendable {
        /// Legend label (escaped when drawn).
        public var name: String
        /// Points in data units. `lines` draws them sorted by x, leaving out those with a non-finite y (and,
        /// on a log axis, y ≤ 0); a non-finite x is not filtered.
        public var points: [(x: Double, y: Double)]
        /// Memberwise.
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    /// Title drawn above the plot (escaped).
    public var title: String
    /// Label of the x axis (escaped).
    public var xLabel: String
    /// Label of the y axis (escaped).
    public var yLabel: String
    /// Width of the SVG in pixels (user units of the viewBox).
    public var width = 640.0
    /// Height of the SVG in pixels; `heatmap` draws at a height of its own, from the number of rows.
    public var height = 320.0
    /// Plot y on a log10 axis (positive values only).
    public var logY = false

    /// A chart of the default size (640 × 320), linear y axis unless `logY`.
    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logY = logY
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Escapes text for XML.
    public static func escape(_ s: String) -> String {
        s.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;").replacingAll("\"", "&quot;")
    }

    static func fmt(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e5 || a < 1e-3 {
            let e = Int((log10(a)).rounded(.down))
            let m = v / pow10(e)
            return "\(round2(m))e\(e)"
        }
        return a >= 100 ? String(Int(v.rounded())) : "\(round2(v))"
    }

    static func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }
    static func pow10(_ e: Int) -> Double { var r = 1.0; for _ in 0..<abs(e) { r *= 10 }; return e < 0 ? 1 / r : r }
    static func log10(_ v: Double) -> Double { _log(v) / _log(10) }

    /// A line chart with markers, one colour per series, and a legend.
    public func lines(_ series: [Series]) -> String {
        let ml = 64.0, mr = 150.0, mt = 30.0, mb = 44.0
        let pw = width - ml - mr, ph = height - mt - mb
        let ty: (Double) -> Double = { logY ? SVGChart.log10(max($0, 1e-300)) : $0 }
        let all = series.flatMap(\.points).filter { $0.y.isFinite && (!logY || $0.y > 0) }
        guard !all.isEmpty else { return frame("<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\">no data</text>") }
        var x0 = all.map(\.x).min()!, x1 = all.map(\.x).max()!
        var y0 = all.map { ty($0.y) }.min()!, y1 = all.map { ty($0.y) }.max()!
        if x0 == x1 { x0 -= 1; x1 += 1 }
        if y0 == y1 { y0 -= 1; y1 += 1 }
        let pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad
        func px(_ x: Double) -> Double { ml + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { mt + ph - (ty(y) - y0) / (y1 - y0) * ph }
        var body = axes(ml: ml, mt: mt, pw: pw, ph: ph)
        for i in 0...4 {
            let fx = x0 + (x1 - x0) * Double(i) / 4
            body += "<text x=\"\(px(fx))\" y=\"\(mt + ph + 16)\" text-anchor=\"middle\" font-size=\"11\">\(SVGChart.fmt(fx))</text>"
            let fy = y0 + (y1 - y0) * Double(i) / 4
            let label = logY ? SVGChart.fmt(SVGChart.pow10ish(fy)) : SVGChart.fmt(fy)
            let yy = mt + ph - Double(i) / 4 * ph
            body += "<text x=\"\(ml - 6)\" y=\"\(yy + 4)\" text-anchor=\"end\" font-size=\"11\">\(label)</text>"
            body += "<line x1=\"\(ml)\" x2=\"\(ml + pw)\" y1=\"\(yy)\" y2=\"\(yy)\" stroke=\"#eee\"/>"
        }
        for (i, s) in series.enumerated() {
            let c = SVGChart.palette[i % SVGChart.palette.count]
            let pts = s.points.filter { $0.y.isFinite && (!logY || $0.y > 0) }.sorted { $0.x < $1.x }
            if pts.count > 1 {
                let d = pts.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
                body += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(d)\"/>"
            }
            for p in pts {
                body += "<circle cx=\"\(px(p.x))\" cy=\"\(py(p.y))\" r=\"3\" fill=\"\(c)\"><title>\(SVGChart.escape(s.name)): (\(SVGChart.fmt(p.x)), \(SVGChart.fmt(p.y)))</title></circle>"
            }
            let ly = mt + 14 + Double(i) * 16
            body += "<rect x=\"\(ml + pw + 12)\" y=\"\(ly - 9)\" width=\"10\" height=\"10\" fill=\"\(c)\"/>"
            body += "<text x=\"\(ml + pw + 26)\" y=\"\(ly)\" font-size=\"11\">\(SVGChart.escape(s.name))</text>"
        }
        return frame(body)
    }

    /// A bar chart of labelled values.
    public func bars(_ values: [(label: String, value: Double)], highlightFirst: Bool = false) -> String {
        let ml = 64.0, mr = 20.0, mt = 30.0, mb = 60.0
        let pw = width - ml - mr, ph = height - mt - mb
        let vmax = max(values.map(\.value).filter(\.isFinite).max() ?? 1, 1e-12)
        var body = axes(ml: ml, mt: mt, pw: pw, ph: ph)
        let bw = pw / Double(max(values.count, 1))
        for i in 0...4 {
            let f = vmax * Double(i) / 4, yy = mt + ph - Double(i) / 4 * ph
            body += "<text x=\"\(ml - 6)\" y=\"\(yy + 4)\" text-anchor=\"end\" font-size=\"11\">\(SVGChart.fmt(f))</text>"
            body += "<line x1=\"\(ml)\" x2=\"\(ml + pw)\" y1=\"\(yy)\" y2=\"\(yy)\" stroke=\"#eee\"/>"
        }
        for (i, v) in values.enumerated() {
            let h = v.value.isFinite ? max(0, v.value) / vmax * ph : 0
            let x = ml + Double(i) * bw
            let c = highlightFirst && i == 0 ? SVGChart.palette[1] : SVGChart.palette[0]
            body += "<rect x=\"\(x + bw * 0.1)\" y=\"\(mt + ph - h)\" width=\"\(bw * 0.8)\" height=\"\(h)\" fill=\"\(c)\"><title>\(SVGChart.escape(v.label)): \(SVGChart.fmt(v.value))</title></rect>"
            if values.count <= 40 {
                body += "<text x=\"\(x + bw / 2)\" y=\"\(mt + ph + 14)\" text-anchor=\"end\" font-size=\"10\" transform=\"rotate(-45 \(x + bw / 2) \(mt + ph + 14))\">\(SVGChart.escape(v.label))</text>"
            }
        }
        return frame(body)
    }

    /// A heat map: rows × columns of values in [0, 1] (NaN = not applicable), shaded white→blue.
    public func heatmap(rows: [String], columns: [String], values: [[Double]]) -> String {
        let ml = 90.0, mt = 30.0, mb = 50.0
        let cw = (width - ml - 20) / Double(max(columns.count, 1))
        let ch = min(18.0, (height - mt - mb) / Double(max(rows.count, 1)))
        var body = ""
        for (r, name) in rows.enumerated() {
            let y = mt + Double(r) * ch
            body += "<text x=\"\(ml - 6)\" y=\"\(y + ch * 0.75)\" text-anchor=\"end\" font-size=\"10\">\(SVGChart.escape(name))</text>"
            for (c, v) in (values[r]).enumerated() where c < columns.count {
                let fill: String
                if v.isNaN { fill = "#ddd" } else {
                    let t = min(max(v, 0), 1)
                    let rC = Int(255 - 224 * t), gC = Int(255 - 136 * t), bC = Int(255 - 75 * t)
                    fill = "rgb(\(rC),\(gC),\(bC))"
                }
                body += "<rect x=\"\(ml + Double(c) * cw)\" y=\"\(y)\" width=\"\(cw)\" height=\"\(ch)\" fill=\"\(fill)\" stroke=\"#fff\"><title>\(SVGChart.escape(name)) \(SVGChart.escape(columns[c])): \(v.isNaN ? "dense" : SVGChart.fmt(v))</title></rect>"
            }
        }
        for (c, name) in columns.enumerated() {
            let x = ml + (Double(c) + 0.5) * cw
            let y = mt + Double(rows.count) * ch + 12
            body += "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"middle\" font-size=\"10\">\(SVGChart.escape(name))</text>"
        }
        var chart = self
        chart.height = mt + Double(rows.count) * ch + mb
        return chart.frame(body)
    }

    static func pow10ish(_ e: Double) -> Double { _exp(e * _log(10)) }

    func axes(ml: Double, mt: Double, pw: Double, ph: Double) -> String {
        "<line x1=\"\(ml)\" y1=\"\(mt)\" x2=\"\(ml)\" y2=\"\(mt + ph)\" stroke=\"#333\"/>"
            + "<line x1=\"\(ml)\" y1=\"\(mt + ph)\" x2=\"\(ml + pw)\" y2=\"\(mt + ph)\" stroke=\"#333\"/>"
            + "<text x=\"\(ml + pw / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\" font-size=\"12\">\(SVGChart.escape(xLabel))</text>"
            + "<text x=\"14\" y=\"\(mt + ph / 2)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 \(mt + ph / 2))\">\(SVGChart.escape(yLabel + (logY ? " (log)" : "")))</text>"
    }

    func frame(_ body: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">"
            + "<text x=\"\(width / 2)\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(SVGChart.escape(title))</text>"
            + body + "</svg>"
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
