#!/usr/bin/env python3
"""Hugging Face transformers runs `allone-compress export --to safetensors` output; computed once and committed
as transformers_perplexity.json. TransformersExportTests rebuilds the same folders, checks they hold the very
tensors measured here (SHA-256 of every tensor's bytes, hashed here from the raw safetensors, and of
config.json), and compares our perplexity with transformers' (0.5%, the issue's tolerance for llama.cpp).

Cases (run with OPENBLAS_NUM_THREADS=1; ../shared/models/stories260K):
  stories260K_bin:    allone-compress export stories260K.bin --to safetensors --out A/model.safetensors
  compressed_llama2c: allone-compress compress stories260K.bin --method svd --ratio 0.1 --out C.safetensors
                      allone-compress export C.safetensors --to safetensors --out B/model.safetensors
Run: /work/venvs/hf/bin/python Fixtures/export/transformers_perplexity.py stories260K_bin=A compressed_llama2c=B [--out JSON]
(/work/venvs/hf: python3.11 -m venv, pip install torch-2.13.0+cpu wheel and transformers 5.24.0.)
transformers loads each folder with LlamaForCausalLM.from_pretrained (float32, eager attention) from its
config.json alone. Tokens: Fixtures/reflm/val_tokens.i32 (the first 4,096 tokens of tinystories_val.txt from
the independent numpy tokenizer; no tokenizer files are exported). Perplexity protocol as docs/EVALUATION.md
and Fixtures/reflm/llamacpp_protocol.py: windows of 255 tokens, each run as [BOS] + window[:-1], every window
token scored.
"""
import argparse, hashlib, json, math, os, struct
import numpy as np
import torch
import transformers
from transformers import LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))


def tensor_sha256(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    data = raw[8 + n:]
    return {k: hashlib.sha256(data[v['data_offsets'][0]:v['data_offsets'][1]]).hexdigest() for k, v in sorted(header.items())}


def perplexity(model, stream, ctx, bos):
    nll = 0.0
    with torch.no_grad():
        for b in range(0, len(stream), ctx - 1):
            win = stream[b:b + ctx - 1]
            ids = torch.tensor([[bos] + win[:-1]])
            lg = model(ids).logits[0].double()
            lse = torch.logsumexp(lg, dim=-1)
            nll += float((lse - lg[torch.arange(len(win)), torch.tensor(win)]).sum())
    return {'context': ctx, 'tokens': len(stream), 'mean_nll': nll / len(stream), 'perplexity': math.exp(nll / len(stream))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cases', nargs='+', help='CASE=FOLDER')
    ap.add_argument('--out', default=os.path.join(HERE, 'transformers_perplexity.json'))
    a = ap.parse_args()
    torch.set_num_threads(1)
    stream = np.fromfile(os.path.join(HERE, '..', 'reflm', 'val_tokens.i32'), dtype='<i4').tolist()[:4096]
    out = {'peer': f'transformers {transformers.__version__}, torch {torch.__version__}', 'cases': {}}
    for spec in a.cases:
        case, folder = spec.split('=', 1)
        model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation='eager').eval()
        out['cases'][case] = {
            'tensor_sha256': tensor_sha256(os.path.join(folder, 'model.safetensors')),
            'config_sha256': hashlib.sha256(open(os.path.join(folder, 'config.json'), 'rb').read()).hexdigest(),
            'perplexity_ctx256': perplexity(model, stream, 256, model.config.bos_token_id),
        }
    json.dump(out, open(a.out, 'w'), indent=1)
    print(json.dumps({c: v['perplexity_ctx256'] for c, v in out['cases'].items()}))


main()
