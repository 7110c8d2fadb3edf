import Foundation
import Testing
import TensorCore
import TestSupport
@testable import WeightFormats

@Suite struct SafeTensorsExportTests {
    let index = TestPaths.fixture("safetensors/sharded/model.safetensors.index.json")

    @Test func shardedCheckpointExportsToOneF32FileExactly() throws {
        let src = try ShardedSafeTensors(indexPath: index)
        let out = TestPaths.temporaryDirectory("st-exp").appendingPathComponent("one.safetensors").path
        try DenseExport.export(src, to: .safetensors, precision: .f32, path: out)
        let back = try SafeTensorsFile(path: out)
        #expect(back.metadata["allone.source"] == .string(index))
        #expect(back.tensors.count == src.tensors.count)
        for t in src.tensors {
            #expect(back.info(t.name)?.storage == .dense(.f32))
            #expect(Approximate.bitEqual(try back.float32(t.name).storage, try src.float32(t.name).storage), "\(t.name)")
        }
    }

    @Test func bf16ExportRoundsToNearestEven() throws {
        let src = try ShardedSafeTensors(indexPath: index)
        let dir = TestPaths.temporaryDirectory("st-exp-bf16")
        let indexOut = try ShardedSafeTensorsWriter.export(src, to: dir.path, dtype: .bf16, maxShardBytes: 64)
        let back = try ShardedSafeTensors(indexPath: indexOut)
        for t in src.tensors {
            let want = try src.float32(t.name).storage.map { HalfPrecision.float(fromBF16: HalfPrecision.bf16(from: $0)) }
            #expect(Approximate.bitEqual(try back.float32(t.name).storage, want), "\(t.name)")
        }
    }

    @Test func integerTensorsAreRefusedAndNothingIsLeft() throws {
        let src = try SafeTensorsFile(path: TestPaths.fixture("safetensors/dtypes.safetensors"))
        let dir = TestPaths.temporaryDirectory("st-exp-int")
        #expect(throws: WeightFormatError.self) {
            try DenseExport.export(src, to: .safetensors, precision: .f16, path: dir.appendingPathComponent("x.safetensors").path)
        }
        #expect(throws: WeightFormatError.self) {
            try ShardedSafeTensorsWriter.export(src, to: dir.path, dtype: .f16, maxShardBytes: 100)
        }
        #expect(throws: WeightFormatError.unsupportedConversion(file: dir.path, tensor: "*", type: "I8")) {
            try ShardedSafeTensorsWriter.export(src, to: dir.path, dtype: .i8, maxShardBytes: 100)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
