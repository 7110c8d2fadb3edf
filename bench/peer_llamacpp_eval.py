#!/usr/bin/env python3
"""llama.cpp side of `allone-bench eval`: the eval protocol (docs/EVALUATION.md) with llama-cpp-python.

Args: MODEL.gguf TOKENS.json CTX THREADS REPEATS BOS. Prints JSON {tokens, seconds (best), perplexity, peak_rss_mib}.
Each window [BOS] + (ctx-1 tokens minus the last) is evaluated from an empty KV cache in one batch.
"""
import json, math, resource, sys, time
import numpy as np
from llama_cpp import Llama

model, tokfile, ctx, threads, repeats, bos = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
tokens = json.load(open(tokfile))
llm = Llama(model_path=model, n_ctx=ctx, n_batch=ctx, n_ubatch=ctx, n_threads=threads, n_threads_batch=threads,
            logits_all=True, verbose=False)
best, ppl = float('inf'), None
for _ in range(repeats):
    nll, t = 0.0, 0.0
    for b in range(0, len(tokens), ctx - 1):
        win = tokens[b:b + ctx - 1]
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, 'kv_cache_clear') else None
        t0 = time.perf_counter()
        llm.eval([bos] + win[:-1])
        t += time.perf_counter() - t0
        lg = np.asarray(llm.scores[:len(win)], dtype=np.float64)
        m = lg.max(axis=-1, keepdims=True)
        lse = (m + np.log(np.exp(lg - m).sum(axis=-1, keepdims=True)))[:, 0]
        nll += float(np.sum(lse - lg[np.arange(len(win)), win]))
    best = min(best, t)
    ppl = math.exp(nll / len(tokens))
print(json.dumps({'tokens': len(tokens), 'seconds': best, 'perplexity': ppl,
                  'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
