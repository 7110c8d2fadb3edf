#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) golden values, computed once and committed.

For stories260K.gguf: token ids of the numpy fixture's prompt and of the first 20,000 characters of
tinystories_val.txt, logits of tokens.i32 (F32 KV cache), perplexity on the first 4,096 tokens at ctx 256
by the project's protocol (docs/EVALUATION.md). For SmolLM2 (Q4_1 GGUF): token ids of the samples in
smollm2_tokens.json and of the 20,000-character prefixes, and perplexity on the same 1,020 tokens at ctx 256.
Run: /work/venvs/llamacpp/bin/python Fixtures/reflm/llamacpp_reference.py SMOLLM2.gguf [SHARED_DIR]
Writes llamacpp_reference.json and llamacpp_stories260K_logits.f32 beside this script.
"""
import json, math, os, sys
import numpy as np
import llama_cpp
from llama_cpp import Llama

HERE = os.path.dirname(os.path.abspath(__file__))
SMOL = sys.argv[1]
SHARED = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, '..', '..', '..', 'shared')
STORIES = os.path.join(SHARED, 'models', 'stories260K', 'stories260K.gguf')
TEXT = open(os.path.join(SHARED, 'corpus', 'tinystories_val.txt'), encoding='utf-8').read()
SHAKES = open(os.path.join(SHARED, 'corpus', 'tinyshakespeare.txt'), encoding='utf-8').read()


sys.path.insert(0, HERE)
from llamacpp_protocol import ppl


def tok(llm, text):
    return llm.tokenize(text.encode('utf-8'), add_bos=False, special=False)


out = {'peer': 'llama-cpp-python ' + llama_cpp.__version__}
ref = json.load(open(os.path.join(HERE, 'reference.json')))
llm = Llama(model_path=STORIES, n_ctx=512, n_batch=512, n_ubatch=512, logits_all=True, verbose=False,
            type_k=0, type_v=0)  # F32 KV cache
tokens = np.fromfile(os.path.join(HERE, 'tokens.i32'), dtype='<i4').tolist()
llm.reset(); llm.eval(tokens)
np.asarray(llm.scores[:len(tokens)], dtype='<f4').tofile(os.path.join(HERE, 'llamacpp_stories260K_logits.f32'))
stream = tok(llm, TEXT[:20000])
out['stories260K'] = {'prompt_ids': tok(llm, ref['prompt']), 'tinystories_prefix': {'chars': 20000, 'ids': stream}}
full = tok(llm, TEXT)
out['stories260K']['perplexity_ctx256'] = ppl(llm, full[:4096], 256, 1)
del llm
smol = Llama(model_path=SMOL, n_ctx=256, n_batch=256, n_ubatch=256, logits_all=True, verbose=False)
golden = json.load(open(os.path.join(HERE, 'smollm2_tokens.json')))
out['smollm2'] = {'samples': [{'text': s['text'], 'ids': tok(smol, s['text'])} for s in golden['samples']],
                  'tinystories_prefix': {'chars': 20000, 'ids': tok(smol, TEXT[:20000])},
                  'shakespeare_prefix': {'chars': 20000, 'ids': tok(smol, SHAKES[:20000])}}
out['smollm2']['perplexity_ctx256'] = ppl(smol, out['smollm2']['tinystories_prefix']['ids'][:1020], 256, 1)
with open(os.path.join(HERE, 'llamacpp_reference.json'), 'w') as f:
    json.dump(out, f, ensure_ascii=False, indent=0)
print(out['stories260K']['perplexity_ctx256'], out['smollm2']['perplexity_ctx256'])
