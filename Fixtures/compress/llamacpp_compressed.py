#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) perplexity of a compressed model's dense GGUF export, computed once and
committed as llamacpp_compressed.json; CompressedLlamaCppTests compares `allone-compress eval` of the
compressed checkpoint (low-rank layers run natively) with it (≤ 0.5%).

The compressed checkpoint is deterministic (same source, calibration and options → the same bytes), so the
fixture records its SHA-256 and the test first checks it rebuilt the very same file:
  allone-compress compress stories260K.gguf --method masvd --ratio 0.2 \
      --calibration tinyshakespeare.txt --calibration-tokens 2048 --out C.safetensors
  allone-compress export C.safetensors --to gguf --dtype f32 --out C.gguf
Run: /work/venvs/llamacpp/bin/python Fixtures/compress/llamacpp_compressed.py C.safetensors C.gguf [SHARED_DIR]
Perplexity protocol as docs/EVALUATION.md (first 4,096 tokens of tinystories_val.txt, windows of 256, BOS first),
llama.cpp with an F32 KV cache.
"""
import hashlib, json, math, os, sys
import numpy as np
import llama_cpp
from llama_cpp import Llama

HERE = os.path.dirname(os.path.abspath(__file__))
COMPRESSED, GGUF = sys.argv[1], sys.argv[2]
SHARED = sys.argv[3] if len(sys.argv) > 3 else os.path.join(HERE, '..', '..', '..', 'shared')
TEXT = open(os.path.join(SHARED, 'corpus', 'tinystories_val.txt'), encoding='utf-8').read()

sys.path.insert(0, os.path.join(HERE, '..', 'reflm'))
from llamacpp_protocol import ppl

llm = Llama(model_path=GGUF, n_ctx=256, n_batch=256, n_ubatch=256, logits_all=True, verbose=False, type_k=0, type_v=0)
stream = llm.tokenize(TEXT.encode('utf-8'), add_bos=False, special=False)[:4096]
out = {'peer': 'llama-cpp-python ' + llama_cpp.__version__,
       'compressed_sha256': hashlib.sha256(open(COMPRESSED, 'rb').read()).hexdigest(),
       'command': 'compress stories260K.gguf --method masvd --ratio 0.2 --calibration tinyshakespeare.txt --calibration-tokens 2048',
       'perplexity_ctx256': ppl(llm, stream, 256, 1)}
json.dump(out, open(os.path.join(HERE, 'llamacpp_compressed.json'), 'w'), indent=1)
print(out)
