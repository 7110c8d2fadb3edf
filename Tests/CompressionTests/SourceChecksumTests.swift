import Foundation
import Testing
import TestSupport
import WeightFormats
@testable import Compression

/// The manifest's source checksum is the file's SHA-256 as `sha256sum` and the model catalogue give it.
@Suite struct SourceChecksumTests {
    @Test(.enabled(if: TestPaths.sharedModel("stories260K/stories260K.bin") != nil, "needs ../shared/models/stories260K"))
    func sourceSHA256MatchesTheCatalogue() throws {
        let c = try Compressor(source: try Checkpoints.open(TestPaths.sharedModel("stories260K/stories260K.bin")!))
        #expect(c.sourceSHA256 == "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696")
    }
}
