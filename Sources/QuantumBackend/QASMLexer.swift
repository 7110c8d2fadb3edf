/// Splits OpenQASM source into tokens with 1-based line and column, skipping `//` and `/* */`
/// comments. Never traps: unknown characters become `QuantumError.parse` at their position.
struct QASMLexer {
    enum Kind: Equatable {
        case identifier(String)
        case number(Double)
        case string(String)
        case symbol(String)
        case end
    }

    struct Token: Equatable {
        var kind: Kind
        var line: Int
        var column: Int
    }

    static func tokenize(_ source: String) throws -> [Token] {
        let chars = Array(source.unicodeScalars)
        var tokens: [Token] = []
        var i = 0, line = 1, col = 1
        func advance(_ n: Int = 1) {
            for _ in 0..<n where i < chars.count {
                if chars[i] == "\n" { line += 1; col = 1 } else { col += 1 }
                i += 1
            }
        }
        func isIdentStart(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == "π" || c == "$" || c == "τ"
        }
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { advance(); continue }
            if c == "/" && i + 1 < chars.count && chars[i + 1] == "/" {
                while i < chars.count && chars[i] != "\n" { advance() }
                continue
            }
            if c == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
                let (l0, c0) = (line, col)
                advance(2)
                while i < chars.count && !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") { advance() }
                guard i < chars.count else { throw QuantumError.parse(line: l0, column: c0, message: "unterminated comment") }
                advance(2)
                continue
            }
            let (l0, c0) = (line, col)
            if isIdentStart(c) {
                var s = ""
                while i < chars.count && (isIdentStart(chars[i]) || isDigit(chars[i])) { s.unicodeScalars.append(chars[i]); advance() }
                tokens.append(Token(kind: .identifier(s), line: l0, column: c0))
            } else if isDigit(c) || (c == "." && i + 1 < chars.count && isDigit(chars[i + 1])) {
                var s = ""
                while i < chars.count && (isDigit(chars[i]) || chars[i] == ".") { s.unicodeScalars.append(chars[i]); advance() }
                if i < chars.count && (chars[i] == "e" || chars[i] == "E") {
                    var j = i + 1
                    if j < chars.count && (chars[j] == "+" || chars[j] == "-") { j += 1 }
                    if j < chars.count && isDigit(chars[j]) {
                        while i < j { s.unicodeScalars.append(chars[i]); advance() }
                        while i < chars.count && isDigit(chars[i]) { s.unicodeScalars.append(chars[i]); advance() }
                    }
                }
                guard let v = Double(s), v.isFinite else { throw QuantumError.parse(line: l0, column: c0, message: "malformed number '\(s)'") }
                tokens.append(Token(kind: .number(v), line: l0, column: c0))
            } else if c == "\"" {
                advance()
                var s = ""
                while i < chars.count && chars[i] != "\"" && chars[i] != "\n" { s.unicodeScalars.append(chars[i]); advance() }
                guard i < chars.count && chars[i] == "\"" else { throw QuantumError.parse(line: l0, column: c0, message: "unterminated string") }
                advance()
                tokens.append(Token(kind: .string(s), line: l0, column: c0))
            } else if c == "-" && i + 1 < chars.count && chars[i + 1] == ">" {
                advance(2)
                tokens.append(Token(kind: .symbol("->"), line: l0, column: c0))
            } else if c == "=" && i + 1 < chars.count && chars[i + 1] == "=" {
                advance(2)
                tokens.append(Token(kind: .symbol("=="), line: l0, column: c0))
            } else if "[](){};,+-*/^=".unicodeScalars.contains(c) {
                advance()
                tokens.append(Token(kind: .symbol(String(c)), line: l0, column: c0))
            } else {
                throw QuantumError.parse(line: l0, column: c0, message: "unexpected character '\(c)'")
            }
        }
        tokens.append(Token(kind: .end, line: line, column: col))
        return tokens
    }
}
