import Foundation
import TestSupport

/// The reference values written by `Fixtures/engine/make_fixtures.py` (numpy/scipy).
struct EngineFixtures: Decodable {
    struct SVD: Decodable {
        let rows: Int, columns: Int, values: [Double]
        let singular_values: [Double], scipy_singular_values: [Double]
    }
    struct RNG: Decodable { let seed: UInt64; let first: [String] }
    let svd: SVD
    let rng: RNG

    static func load() throws -> EngineFixtures {
        try FixtureReader.json(EngineFixtures.self, TestPaths.fixture("engine/engine_fixtures.json"))
    }
}
