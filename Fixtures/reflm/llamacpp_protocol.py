"""The project's perplexity protocol (docs/EVALUATION.md) run through llama-cpp-python: windows of
ctx − 1 tokens, each evaluated as [BOS] + window with a fresh cache, every window token scored.
Shared by the llama.cpp fixture scripts."""
import math
import numpy as np


def ppl(llm, stream, ctx, bos):
    nll = 0.0
    for b in range(0, len(stream), ctx - 1):
        win = stream[b:b + ctx - 1]
        llm.reset()
        llm.eval([bos] + win[:-1])
        lg = np.asarray(llm.scores[:len(win)], dtype=np.float64)
        m = lg.max(axis=-1, keepdims=True)
        lse = (m + np.log(np.exp(lg - m).sum(axis=-1, keepdims=True)))[:, 0]
        nll += float(np.sum(lse - lg[np.arange(len(win)), win]))
    return {'context': ctx, 'tokens': len(stream), 'mean_nll': nll / len(stream), 'perplexity': math.exp(nll / len(stream))}
