/// What the rank allocator needs to know about one matrix.
public struct MatrixDescriptor: Sendable, Equatable, Codable {
    /// Caller's name.
    public let label: String
    /// m, n.
    public let rows: Int, columns: Int
    /// σ of W S (whitened, preferred: predicts output error) or of W, any order.
    public let singularValues: [Double]
    /// Multiplier of this matrix's normalised loss (1 = neutral; larger = more sensitive).
    public let importance: Double
    /// Smallest rank allowed when factored.
    public let floorRank: Int
    /// Whether keeping the matrix dense is allowed (otherwise it must be factored).
    public let allowDense: Bool

    /// Validates: positive sizes, finite non-negative spectrum of at most min(m, n) values,
    /// finite importance ≥ 0, floor rank in 1...min(m, n).
    public init(label: String, rows: Int, columns: Int, singularValues: [Double], importance: Double = 1,
                floorRank: Int = 1, allowDense: Bool = true) throws {
        guard rows > 0, columns > 0, !rows.multipliedReportingOverflow(by: columns).overflow, rows <= Int.max / 4 - columns else {
            throw AnalysisError.invalidAllocationInput(context: "\(label): shape \(rows)×\(columns)")
        }
        guard singularValues.count <= min(rows, columns), singularValues.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw AnalysisError.invalidAllocationInput(context: "\(label): \(singularValues.count) singular values for \(rows)×\(columns), or a negative/non-finite one")
        }
        guard importance.isFinite, importance >= 0 else { throw AnalysisError.invalidAllocationInput(context: "\(label): importance \(importance)") }
        guard floorRank >= 1, floorRank <= min(rows, columns) else {
            throw AnalysisError.invalidAllocationInput(context: "\(label): floor rank \(floorRank) outside 1...\(min(rows, columns))")
        }
        self.label = label; self.rows = rows; self.columns = columns
        self.singularValues = singularValues.sorted(by: >)
        self.importance = importance; self.floorRank = floorRank; self.allowDense = allowDense
    }

    /// mn.
    public var denseParameters: Int { rows * columns }
    /// Largest rank that saves parameters: ⌊(mn − 1)/(m + n)⌋.
    public var breakEvenRank: Int { (rows * columns - 1) / (rows + columns) }
}

extension MatrixDescriptor {
    /// The descriptor of an analysed matrix: its driving spectrum (whitened when the report has one).
    public init(report: MatrixReport, importance: Double = 1, floorRank: Int = 1, allowDense: Bool = true) throws {
        try self.init(label: report.label, rows: report.rows, columns: report.columns,
                      singularValues: report.driving.singularValues, importance: importance,
                      floorRank: floorRank, allowDense: allowDense)
    }
}
