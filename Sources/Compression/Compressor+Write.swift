import Analysis
import Foundation
import LinearAlgebra
import TensorCore
import WeightFormats

extension Compressor {
    /// Analysis, plan and write in one call, resumable: when the journal beside `path` holds the
    /// plan for these exact inputs (source and calibration checksums, options, tool version), pass
    /// 1 is skipped and finished tensors are reused, giving a byte-identical file.
    public func compress(options: CompressionOptions, to path: String, progress: ProgressReporter? = nil) throws -> CompressionResult {
        try check(options)
        try checkOutput(path)
        let key = try fingerprint(["options": .options(options)])
        // Pass-1 spectra wait for pass 2 on disk beside the output (removed with the journal).
        // Several workers: one BLAS thread each, so that the total stays `workers`.
        let blasThreads = BLAS.threadCount
        if workers > 1 { BLAS.threadCount = 1 }
        defer { if workers > 1 { BLAS.threadCount = blasThreads } }
        let ownsSpill = cache == nil && spectra == nil
        if ownsSpill { spectra = _SpectrumStore(directory: CompressionJournal.directory(for: path) + "/spectra") }
        defer { if ownsSpill { spectra?.removeAll(); spectra = nil } }
        let plan: CompressionPlan
        if let p = CompressionJournal.loadPlan(output: path, key: key), p.options == options {
            plan = p
        } else {
            let analysis = try analyze(spectrum: spectrum(for: options), asvdAlpha: options.asvdAlpha, shrinkage: options.shrinkage,
                                       progress: progress)
            plan = try self.plan(analysis, options: options)
            try CompressionJournal.savePlan(plan, output: path, key: key)
        }
        if options.sequential {
            precomputed = try sequentialFactors(plan, progress: progress)
        }
        defer { precomputed = [:] }
        return try write(plan, to: path, progress: progress)
    }

    /// Executes `plan` into the compressed checkpoint at `path` (atomically: nothing appears there
    /// until the file is complete). Factored tensors go through the journal `path.journal/` first,
    /// so a killed run continues where it stopped; the journal is removed on success.
    public func write(_ plan: CompressionPlan, to path: String, progress: ProgressReporter? = nil) throws -> CompressionResult {
        let options = plan.options
        try check(options)
        try checkOutput(path)
        let journal = try CompressionJournal(output: path, fingerprint: try fingerprint(["plan": .plan(plan)]))
        let factored = plan.items.enumerated().filter { if case .lowRank = $0.element.choice { return true } else { return false } }
        var records: [String: CompressionJournal.Record] = [:]
        var resumed = 0, computed = 0, finished = 0
        let lock = NSLock()
        // `workers` tensors in flight (one at a time when a test asks to stop after N).
        try _forEach(factored.count, workers: stopAfterComputed == nil ? workers : 1) { j in
            let (i, item) = factored[j]
            let record: CompressionJournal.Record
            if let r = journal.record(i) {
                record = r
                lock.lock(); resumed += 1; lock.unlock()
            } else {
                lock.lock()
                let stop = stopAfterComputed.map { computed >= $0 } ?? false
                lock.unlock()
                if stop { throw CompressionError.interrupted(afterTensors: computed) }
                let t = try compressTensor(item, options: options)
                record = try journal.save(index: i, tensor: t)
                lock.lock(); computed += 1; lock.unlock()
            }
            lock.lock(); defer { lock.unlock() }
            records[item.name] = record
            finished += 1
            progress?.update(completed: finished, total: factored.count, label: "factor " + item.name)
        }

        // Entries in source order; tensors not factored are converted once here for their checksum
        // and again when written, a row slice at a time (`forEachSlice`), so even the token
        // embedding is never resident whole.
        var entries: [CompressionManifest.Entry] = []
        for (i, t) in source.tensors.enumerated() {
            progress?.update(completed: i, total: source.tensors.count, label: "checksum " + t.name)
            if let r = records[t.name] { entries.append(r.entry); continue }
            entries.append(try streamedDenseEntry(t, dtype: options.dtype))
        }
        let linearNames = Set(plan.items.map(\.name))
        let params = CompressionManifest.Parameters(
            totalBefore: source.parameterCount, totalAfter: entries.reduce(0) { $0 + $1.storedParameters },
            linearBefore: plan.linearParametersBefore,
            linearAfter: entries.filter { linearNames.contains($0.name) }.reduce(0) { $0 + $1.storedParameters })
        let budget: CompressionManifest.Budget
        switch options.budget {
        case let .ratio(r): budget = .init(kind: "ratio", value: r)
        case let .bytes(b): budget = .init(kind: "bytes", value: Double(b))
        }
        var manifest = CompressionManifest(
            toolVersion: AlloneVersion.string,
            source: .init(file: (source.path as NSString).lastPathComponent, sha256: sourceSHA256, format: source.formatDescription,
                          architecture: source.metadata["general.architecture"]?.stringValue ?? "llama"),
            method: options.method.rawValue, budget: budget, allocation: options.allocation == .greedy ? "entropy" : "uniform",
            refit: options.refit, storedDType: options.dtype.rawValue, byteShuffled: options.zstd,
            calibration: calibration.map { .init(textSHA256: $0.textSHA256, tokens: $0.tokens, statisticsSHA256: $0.fileSHA256) },
            seed: options.seed, parameters: params, tensors: entries)
        if options.shrinkage != .none { manifest.shrinkage = options.shrinkage.label }
        if options.allocationLoss != .relativeEnergy { manifest.allocationLoss = options.allocationLoss.rawValue }
        if options.sequential { manifest.sequential = true }

        var meta: [String: String] = ["format": "pt", CompressionManifest.metadataKey: try manifest.jsonString()]
        let sourcePairs: [(key: String, value: MetadataValue)]
        if let g = source as? GGUFFile { sourcePairs = g.orderedMetadata } else {
            sourcePairs = source.metadata.keys.sorted().map { ($0, source.metadata[$0]!) }
        }
        meta[CompressionManifest.sourceMetadataKey] = try MetadataJSON.encode(sourcePairs)
        if !(source is GGUFFile) {
            meta[CompressionManifest.ggufMetadataKey] = try MetadataJSON.encode(DenseExport.sourceGGUFMetadata(source))
        }

        // Where each stored tensor's bytes come from.
        enum Origin { case record(CompressionJournal.Record, Int), dense(String, DType) }
        var origins: [String: Origin] = [:]
        var descriptors: [SafeTensorsWriter.TensorDescriptor] = []
        for e in entries {
            for (p, s) in e.stored.enumerated() {
                guard let d = DType(rawValue: s.dtype) else { throw CompressionError.invalidCheckpoint(file: path, field: s.name, reason: "dtype \(s.dtype)") }
                descriptors.append(.init(name: s.name, dtype: d, shape: s.shape))
                origins[s.name] = records[e.name].map { .record($0, p) } ?? .dense(e.name, d)
            }
        }
        let target = options.zstd ? journal.directory + "/assembled.safetensors" : path
        let writer = try SafeTensorsWriter(path: target, tensors: descriptors, metadata: meta)
        var tensorBytes = 0
        for (i, d) in writer.order.enumerated() {
            progress?.update(completed: i, total: writer.order.count, label: "write " + d.name)
            switch origins[d.name] {
            case let .record(r, p)?:
                try journal.withPart(r, p) { try writer.write(d.name, rawBytes: $0) }
            case let .dense(name, dtype)?:
                try writeStreamed(name, dtype: dtype, to: writer)
            case nil:
                throw CompressionError.invalidCheckpoint(file: path, field: d.name, reason: "no origin")
            }
            tensorBytes += writer.byteCounts[i]
        }
        try writer.finish()
        var plainZstd: Int? = nil
        if options.zstd {
            plainZstd = try ZstdContainer.pack(assembled: target, to: path, level: options.zstdLevel, shuffle: true)
            try? FileManager.default.removeItem(atPath: target)
        }
        progress?.finish()
        journal.remove()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return CompressionResult(path: path, fileBytes: size ?? 0, tensorBytes: tensorBytes, manifest: manifest,
                                 resumedTensors: resumed, computedTensors: computed, plainZstdBytes: plainZstd)
    }

    /// SHA-256 over everything that determines the output besides `extra`.
    func fingerprint(_ extra: [String: CompressionPlanOrOptions]) throws -> String {
        struct Key: Encodable {
            var tool: String, source: String, calibrationFile: String?, calibrationTokens: Int?, calibrationText: String?
            var extra: [String: CompressionPlanOrOptions]
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let k = Key(tool: AlloneVersion.string, source: sourceSHA256, calibrationFile: calibration?.fileSHA256,
                    calibrationTokens: calibration?.tokens, calibrationText: calibration?.textSHA256, extra: extra)
        return SHA256.hex(Array(try e.encode(k)))
    }
}

/// What a fingerprint covers besides the inputs.
enum CompressionPlanOrOptions: Encodable {
    case plan(CompressionPlan), options(CompressionOptions)
    func encode(to encoder: Encoder) throws {
        switch self {
        case let .plan(p): try p.encode(to: encoder)
        case let .options(o): try o.encode(to: encoder)
        }
    }
}
