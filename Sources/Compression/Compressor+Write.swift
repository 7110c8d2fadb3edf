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
        // OpenBLAS runs single-threaded inside compress whatever `workers` is, so that no result
        // depends on OpenBLAS's thread partitioning: the same inputs give the same bytes for any
        // `workers` and any OPENBLAS_NUM_THREADS.
        return try BLAS.withSingleThreadedCalls {
            // A journal from an earlier run may hold the plan: then the fingerprint (which waits for
            // the statistics file's checksum) is needed first. A fresh run computes pass 1 while
            // the checksum is still being computed on its own thread.
            let journalDirectory = CompressionJournal.directory(for: path)
            let mayResume = FileManager.default.fileExists(atPath: journalDirectory)
            let earlyKey = mayResume ? try fingerprint(["options": .options(options)]) : nil
            // Pass-1 spectra wait for pass 2 on disk beside the output (removed with the journal).
            let ownsSpill = cache == nil && spectra == nil
            if ownsSpill { spectra = _SpectrumStore(directory: journalDirectory + "/spectra") }
            defer {
                if ownsSpill { spectra?.removeAll(); spectra = nil }
                // A run refused before it saved anything leaves no empty journal folder behind.
                if !mayResume, let left = try? FileManager.default.contentsOfDirectory(atPath: journalDirectory), left.isEmpty {
                    try? FileManager.default.removeItem(atPath: journalDirectory)
                }
            }
            // The source metadata's JSON (needed only at the end) is encoded meanwhile on its own thread.
            let encoder = Thread { [self] in _ = try? sourceMetadataEntries() }
            encoder.stackSize = 1 << 20
            encoder.start()
            // Ranks known before pass 1 let it keep exactly the vectors pass 2 uses (they stay set for
            // pass 2, which asks for the same count); a resumed run takes them from the same plan, so
            // its recomputed spectra match the first run's bytes. `plan` below gives the same ranks.
            defer { plannedRanks = [:] }
            let plan: CompressionPlan
            if let k = earlyKey, let p = CompressionJournal.loadPlan(output: path, key: k), p.options == options {
                plan = p
                plannedRanks = Self.factoredRanks(p)
            } else {
                plannedRanks = uniformRanksBeforeAnalysis(options) ?? [:]
                let analysis = try analyze(spectrum: spectrum(for: options), asvdAlpha: options.asvdAlpha, shrinkage: options.shrinkage,
                                           progress: progress)
                plan = try self.plan(analysis, options: options)
                try CompressionJournal.savePlan(plan, output: path, key: earlyKey ?? fingerprint(["options": .options(options)]))
            }
            if options.sequential {
                precomputed = try sequentialFactors(plan, progress: progress)
            }
            defer { precomputed = [:] }
            return try write(plan, to: path, progress: progress)
        }
    }

    /// The rank of every low-rank item of `plan` when its ranks do not depend on the spectra (uniform
    /// allocation), by name; empty otherwise (a greedy plan's ranks come from pass 1, whose vectors
    /// then go up to the break-even rank, and a resumed greedy run must recompute the same ones).
    static func factoredRanks(_ plan: CompressionPlan) -> [String: Int] {
        guard plan.options.allocation == .uniform else { return [:] }
        var ranks: [String: Int] = [:]
        for item in plan.items { if case let .lowRank(k) = item.choice { ranks[item.name] = k } }
        return ranks
    }

    /// The uniform plan's ranks before any spectrum is computed: `plan` on the shapes alone (uniform
    /// ranks depend on nothing else), nil for another allocation or when that plan cannot be made
    /// (the real plan then reports why).
    func uniformRanksBeforeAnalysis(_ options: CompressionOptions) -> [String: Int]? {
        guard options.allocation == .uniform, cache == nil else { return nil }
        let shapes = CompressionAnalysis(spectrum: spectrum(for: options), matrices: linearTensors.map {
            .init(name: $0.name, rows: $0.shape[0], columns: $0.shape[1], singularValues: [], originalType: $0.storage.description)
        })
        return (try? plan(shapes, options: options)).map(Self.factoredRanks)
    }

    /// Executes `plan` into the compressed checkpoint at `path` (atomically: nothing appears there
    /// until the file is complete). Factored tensors go through the journal `path.journal/` first,
    /// so a killed run continues where it stopped; the journal is removed on success.
    public func write(_ plan: CompressionPlan, to path: String, progress: ProgressReporter? = nil) throws -> CompressionResult {
        try BLAS.withSingleThreadedCalls { try writeSingleThreaded(plan, to: path, progress: progress) }
    }

    /// Whether `write` places every stored tensor straight into the output file (see
    /// `writeSingleThreaded`): the methods whose stored layout the plan fixes in advance — a
    /// low-rank item of rank k is `<name>.lr.a` (m×k) and `<name>.lr.b` (k×n) in the stored dtype.
    /// Tensor trains (`tt`, `auto`) are assembled from the journal instead.
    static func placesDirectly(_ options: CompressionOptions) -> Bool {
        switch options.method {
        case .svd, .asvd, .masvd: return true
        case .tt, .auto: return false
        }
    }

    /// The stored tensors the plan fixes for source tensor `t` under direct placement.
    private func predictedParts(_ t: TensorInfo, item: CompressionPlan.Item?, dtype: DType) -> [SafeTensorsWriter.TensorDescriptor] {
        if let item, case let .lowRank(k) = item.choice {
            return [.init(name: t.name + ".lr.a", dtype: dtype, shape: [item.rows, k]),
                    .init(name: t.name + ".lr.b", dtype: dtype, shape: [k, item.columns])]
        }
        return [.init(name: t.name, dtype: Self.denseStoredType(t.shape, dtype), shape: t.shape)]
    }

    /// The manifest and safetensors metadata of an output with `entries` (source order).
    private func outputMetadata(_ plan: CompressionPlan, entries: [CompressionManifest.Entry],
                                parameters: CompressionManifest.Parameters? = nil,
                                statisticsSHA256: String?) throws -> (manifest: CompressionManifest, metadata: [String: String]) {
        let options = plan.options
        let linearNames = Set(plan.items.map(\.name))
        let params = parameters ?? CompressionManifest.Parameters(
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
            calibration: calibration.map { .init(textSHA256: $0.textSHA256, tokens: $0.tokens, statisticsSHA256: statisticsSHA256) },
            seed: options.seed, parameters: params, tensors: entries)
        if options.shrinkage != .none { manifest.shrinkage = options.shrinkage.label }
        if options.allocationLoss != .relativeEnergy { manifest.allocationLoss = options.allocationLoss.rawValue }
        if options.sequential { manifest.sequential = true }

        var meta = try sourceMetadataEntries()
        meta["format"] = "pt"
        meta[CompressionManifest.metadataKey] = try manifest.jsonString()
        return (manifest, meta)
    }

    /// The `__metadata__` entries that carry the source's own metadata (its key/values in order, and
    /// for a non-GGUF source the GGUF keys an export needs): the same for every output of this
    /// source, so encoded once (≈ 0.2 s for SmolLM2's tokenizer) — `compress` starts that on its
    /// own thread during pass 1.
    func sourceMetadataEntries() throws -> [String: String] {
        try sourceMetadata.value("source") {
            let sourcePairs: [(key: String, value: MetadataValue)]
            if let g = source as? GGUFFile { sourcePairs = g.orderedMetadata } else {
                sourcePairs = source.metadata.keys.sorted().map { ($0, source.metadata[$0]!) }
            }
            var meta = [CompressionManifest.sourceMetadataKey: try MetadataJSON.encode(sourcePairs)]
            if !(source is GGUFFile) {
                meta[CompressionManifest.ggufMetadataKey] = try MetadataJSON.encode(DenseExport.sourceGGUFMetadata(source))
            }
            return meta
        }
    }

    /// Header bytes to reserve for direct placement: the header of a manifest whose unknowns (errors,
    /// checksums, metric and method names, parameter counts) take longer values than any real run
    /// writes, plus 4 KiB. Derived from the plan alone, so a resumed run reserves the same.
    private func headerCapacity(_ plan: CompressionPlan, parts: [String: [SafeTensorsWriter.TensorDescriptor]],
                                descriptors: [SafeTensorsWriter.TensorDescriptor]) throws -> Int {
        let items = Dictionary(plan.items.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let sha = String(repeating: "0", count: 64), word = String(repeating: "x", count: 32)
        let long = -2.2250738585072014e-308  // the longest shortest-round-trip Double text
        let entries: [CompressionManifest.Entry] = source.tensors.map { t in
            let stored = (parts[t.name] ?? []).map { CompressionManifest.Stored(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, sha256: sha) }
            let type = t.storage.description
            if let item = items[t.name], case let .lowRank(k) = item.choice {
                return .init(name: t.name, layout: "lowrank", method: word, rank: k, originalShape: t.shape, originalType: type, stored: stored,
                             predictedError: long, predictedErrorMetric: word, measuredError: long, measuredErrorMetric: word)
            }
            return .init(name: t.name, layout: "dense", method: "dense", originalShape: t.shape, originalType: type, stored: stored)
        }
        let most = CompressionManifest.Parameters(totalBefore: .min, totalAfter: .min, linearBefore: .min, linearAfter: .min)
        let meta = try outputMetadata(plan, entries: entries, parameters: most, statisticsSHA256: sha).metadata
        return try SafeTensorsPlacedWriter.headerJSONLength(tensors: descriptors, metadata: meta) + 4096
    }

    /// Pass 2 and the output file. With direct placement (`placesDirectly`), the output is laid out
    /// before any work (`SafeTensorsPlacedWriter`, inside the journal folder): every factored and
    /// dense tensor is written straight to its final bytes by the worker that computed it, and the
    /// header, written last, fills a reserved area — no second copy of the data. Otherwise the
    /// factored tensors go to journal files and the output is assembled from them at the end.
    private func writeSingleThreaded(_ plan: CompressionPlan, to path: String, progress: ProgressReporter?) throws -> CompressionResult {
        let options = plan.options
        try check(options)
        try checkOutput(path)
        let journal = try CompressionJournal(output: path, fingerprint: try fingerprint(["plan": .plan(plan)]))
        let factored = plan.items.enumerated().filter { if case .lowRank = $0.element.choice { return true } else { return false } }
        let factoredNames = Set(factored.map(\.element.name))
        // The tensors kept dense only need their manifest entry (a checksum over their stored
        // bytes); they are computed in the same pool, so that no core idles meanwhile.
        let dense = source.tensors.filter { !factoredNames.contains($0.name) }

        // Direct placement: the output's layout from the plan.
        var placed: SafeTensorsPlacedWriter? = nil
        var predicted: [String: [SafeTensorsWriter.TensorDescriptor]] = [:]
        if Self.placesDirectly(options) {
            let items = Dictionary(plan.items.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var descriptors: [SafeTensorsWriter.TensorDescriptor] = []
            for t in source.tensors {
                let p = predictedParts(t, item: items[t.name], dtype: options.dtype)
                predicted[t.name] = p
                descriptors += p
            }
            do {
                placed = try SafeTensorsPlacedWriter(path: journal.partialPath, tensors: descriptors,
                                                     headerCapacity: try headerCapacity(plan, parts: predicted, descriptors: descriptors),
                                                     reuseExisting: true)
            } catch let e as WeightFormatError {
                throw CompressionError.journal(path: journal.partialPath, reason: e.description)
            }
        }

        // Largest work first, so that the last items in flight are short: dense tensors over
        // 2²⁰ values (the token embedding), then factored matrices by m·n·min(m, n), then the rest.
        // Results are placed by name: the order changes nothing in the output.
        enum Work { case factor(Int, CompressionPlan.Item), dense(TensorInfo) }
        let bigDense = dense.filter { $0.elementCount > 1 << 20 }, smallDense = dense.filter { $0.elementCount <= 1 << 20 }
        let byCost = factored.enumerated().sorted { x, y in
            let cx = x.element.element.rows * x.element.element.columns * min(x.element.element.rows, x.element.element.columns)
            let cy = y.element.element.rows * y.element.element.columns * min(y.element.element.rows, y.element.element.columns)
            return cx != cy ? cx > cy : x.offset < y.offset
        }.map { Work.factor($0.element.offset, $0.element.element) }
        // A test that stops after N computed tensors needs them in source order, one at a time.
        let ordered = stopAfterComputed == nil ? byCost : factored.map { Work.factor($0.offset, $0.element) }
        let work: [Work] = bigDense.map { .dense($0) } + ordered + smallDense.map { .dense($0) }
        var records: [String: CompressionJournal.Record] = [:]
        var denseEntries: [String: CompressionManifest.Entry] = [:]
        var resumed = 0, computed = 0, finished = 0
        let lock = NSLock()
        // `workers` items in flight (one at a time when a test asks to stop after N).
        try _forEach(work.count, workers: stopAfterComputed == nil ? workers : 1) { j in
            switch work[j] {
            case let .dense(t):
                let e = try streamedDenseEntry(t, dtype: options.dtype, into: placed)
                lock.lock(); defer { lock.unlock() }
                denseEntries[t.name] = e
                finished += 1
                progress?.update(completed: finished, total: work.count, label: "checksum " + t.name)
            case let .factor(i, item):
                let record: CompressionJournal.Record
                if let r = journal.record(i, placed: placed) {
                    record = r
                    lock.lock(); resumed += 1; lock.unlock()
                } else {
                    lock.lock()
                    let stop = stopAfterComputed.map { computed >= $0 } ?? false
                    lock.unlock()
                    if stop { throw CompressionError.interrupted(afterTensors: computed) }
                    let t = try compressTensor(item, options: options)
                    if let out = placed {
                        record = try place(t, index: i, expected: predicted[item.name] ?? [], into: out, journal: journal)
                    } else {
                        record = try journal.save(index: i, tensor: t)
                    }
                    lock.lock(); computed += 1; lock.unlock()
                }
                lock.lock(); defer { lock.unlock() }
                records[item.name] = record
                finished += 1
                progress?.update(completed: finished, total: work.count, label: "factor " + item.name)
            }
        }

        // Entries in source order.
        var entries: [CompressionManifest.Entry] = []
        for t in source.tensors {
            if let r = records[t.name] { entries.append(r.entry); continue }
            guard let e = denseEntries[t.name] else {
                throw CompressionError.invalidCheckpoint(file: path, field: t.name, reason: "no manifest entry")
            }
            entries.append(e)
        }
        let (manifest, meta) = try outputMetadata(plan, entries: entries, statisticsSHA256: calibration?.fileSHA256)

        var tensorBytes = 0
        var plainZstd: Int? = nil
        let assembled = journal.directory + "/assembled.safetensors"
        if let out = placed {
            tensorBytes = out.byteCounts.reduce(0, +)
            progress?.update(completed: work.count, total: work.count, label: "write header")
            do {
                // With zstd the container is packed from the finished safetensors.
                try out.commit(to: options.zstd ? assembled : path, metadata: meta)
            } catch let e as WeightFormatError {
                throw CompressionError.journal(path: journal.partialPath, reason: e.description)
            }
        } else {
            // Where each stored tensor's bytes come from. Tensors kept dense are converted again when
            // written, a row slice at a time (`forEachSlice`), so even the token embedding is never resident whole.
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
            let target = options.zstd ? assembled : path
            let writer = try SafeTensorsWriter(path: target, tensors: descriptors, metadata: meta)
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
        }
        if options.zstd {
            plainZstd = try ZstdContainer.pack(assembled: assembled, to: path, level: options.zstdLevel, shuffle: true)
            try? FileManager.default.removeItem(atPath: assembled)
        }
        progress?.finish()
        journal.remove()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return CompressionResult(path: path, fileBytes: size ?? 0, tensorBytes: tensorBytes, manifest: manifest,
                                 resumedTensors: resumed, computedTensors: computed, plainZstdBytes: plainZstd)
    }

    /// Writes the parts of a computed tensor at their places in `out` and records it in the journal;
    /// the parts must be the ones the plan fixed (`expected`), else the layout is wrong.
    private func place(_ t: CompressedTensor, index: Int, expected: [SafeTensorsWriter.TensorDescriptor],
                       into out: SafeTensorsPlacedWriter, journal: CompressionJournal) throws -> CompressionJournal.Record {
        let got = t.parts.map { SafeTensorsWriter.TensorDescriptor(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        guard got == expected else {
            throw CompressionError.invalidCheckpoint(file: out.path, field: t.entry.name,
                                                     reason: "stored \(got.map { "\($0.name) \($0.shape)" }) where the plan laid out \(expected.map { "\($0.name) \($0.shape)" })")
        }
        var offsets: [Int] = [], lengths: [Int] = []
        do {
            for p in t.parts {
                try p.bytes.withUnsafeBytes { try out.write(p.name, bytes: $0) }
                offsets.append(out.range(of: p.name)?.lowerBound ?? 0)
                lengths.append(p.bytes.count)
            }
        } catch let e as WeightFormatError {
            throw CompressionError.journal(path: out.path, reason: e.description)
        }
        return try journal.savePlaced(index: index, entry: t.entry, offsets: offsets, lengths: lengths)
    }

    /// SHA-256 over everything that determines the output besides `extra`.
    func fingerprint(_ extra: [String: CompressionPlanOrOptions]) throws -> String {
        try calibration?.waitForFileHash()
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
