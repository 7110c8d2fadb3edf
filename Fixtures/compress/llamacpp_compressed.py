#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) runs the dense GGUF export of compressed models; computed once and committed
as llamacpp_compressed.json. CompressedLlamaCppTests rebuilds the same files and checks, before comparing
perplexities (ours within 0.5% of llama.cpp's), that they are the very files measured here: every stored
tensor of the compressed checkpoint has the SHA-256 recorded below (hashed here with hashlib from the raw
safetensors bytes) and the GGUF export has the recorded SHA-256. The whole compressed file's SHA-256 is kept
for information only (its manifest also records the tool version).

Cases (run with OPENBLAS_NUM_THREADS=1; ../shared/models/stories260K and ../shared/corpus):
  gguf_source:    allone-compress compress stories260K.gguf --method masvd --ratio 0.2 \\
                      --calibration tinyshakespeare.txt --calibration-tokens 2048 --out G.safetensors
                  allone-compress export G.safetensors --to gguf --dtype f32 --out G.gguf
  llama2c_source: allone-compress compress stories260K.bin --method svd --ratio 0.1 --out L.safetensors
                  allone-compress export L.safetensors --to gguf --dtype q8_0 --out L.gguf
                  (the tokenizer comes from tok512.bin beside the .bin, recorded in the compressed file)
Run: /work/venvs/llamacpp/bin/python Fixtures/compress/llamacpp_compressed.py \\
         gguf_source=G.safetensors,G.gguf llama2c_source=L.safetensors,L.gguf [--shared DIR] [--out JSON]
Without --out it rewrites llamacpp_compressed.json beside this script; the live test passes --out.
Perplexity protocol as docs/EVALUATION.md (first 4,096 tokens of tinystories_val.txt, windows of 256, BOS
first), llama.cpp with an F32 KV cache.
"""
import argparse, hashlib, json, os, struct, sys
import llama_cpp
from llama_cpp import Llama

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'reflm'))
from llamacpp_protocol import ppl

COMMANDS = {
    'gguf_source': ['compress stories260K.gguf --method masvd --ratio 0.2 --calibration tinyshakespeare.txt --calibration-tokens 2048',
                    'export --to gguf --dtype f32'],
    'llama2c_source': ['compress stories260K.bin --method svd --ratio 0.1', 'export --to gguf --dtype q8_0'],
}


def sha256(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def stored_sha256(path):
    """SHA-256 of every stored tensor's bytes, from the safetensors header parsed here."""
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    data = raw[8 + n:]
    return {name: hashlib.sha256(data[i['data_offsets'][0]:i['data_offsets'][1]]).hexdigest() for name, i in sorted(header.items())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cases', nargs='+', help='CASE=COMPRESSED,GGUF')
    ap.add_argument('--shared', default=os.path.join(HERE, '..', '..', '..', 'shared'))
    ap.add_argument('--out', default=os.path.join(HERE, 'llamacpp_compressed.json'))
    a = ap.parse_args()
    text = open(os.path.join(a.shared, 'corpus', 'tinystories_val.txt'), encoding='utf-8').read()
    out = {'peer': 'llama-cpp-python ' + llama_cpp.__version__, 'cases': {}}
    for spec in a.cases:
        case, files = spec.split('=', 1)
        compressed, gguf = files.split(',')
        llm = Llama(model_path=gguf, n_ctx=256, n_batch=256, n_ubatch=256, logits_all=True, verbose=False,
                    type_k=0, type_v=0)  # F32 KV cache
        stream = llm.tokenize(text.encode('utf-8'), add_bos=False, special=False)[:4096]
        out['cases'][case] = {
            'commands': COMMANDS.get(case, []),
            'compressed_sha256': sha256(compressed),
            'stored_sha256': stored_sha256(compressed),
            'export_sha256': sha256(gguf),
            'perplexity_ctx256': ppl(llm, stream, 256, llm.token_bos()),
        }
        del llm
    json.dump(out, open(a.out, 'w'), indent=1)
    print(json.dumps({c: v['perplexity_ctx256'] for c, v in out['cases'].items()}))


main()
