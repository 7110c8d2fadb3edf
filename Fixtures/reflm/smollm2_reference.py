#!/usr/bin/env python3
"""Independent references for SmolLM2-135M-Instruct (GGUF, Q4_1/Q8_0) used by the Swift tests.

Token ids: the Hugging Face `tokenizers` library (Rust) configured from the GGUF vocabulary and merges
with SmolLM2's pre-tokenizer (individual digits, then byte-level GPT-2 regex) — an implementation
independent of ours (llama-cpp-python was not built on this machine). Forward: a float32 numpy
forward on the weights dequantized by gguf-py (HF-independent, our own code).

Needs: numpy, gguf==0.19.0, tokenizers (e.g. python -m venv /work/venvs/tok; pip install numpy gguf==0.19.0 tokenizers).
Run: /work/venvs/tok/bin/python Fixtures/reflm/smollm2_reference.py MODEL.gguf [SHARED_DIR]
Writes smollm2_tokens.json, smollm2_logits.f32 and smollm2_reference.json beside this script.
"""
import json, os, sys
import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize
from tokenizers import Tokenizer, models, pre_tokenizers, decoders

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = sys.argv[1]
SHARED = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, '..', '..', '..', 'shared')
TEXT = os.path.join(SHARED, 'corpus', 'tinystories_val.txt')
SHAKESPEARE = os.path.join(SHARED, 'corpus', 'tinyshakespeare.txt')
SAMPLES = [
    "Hello world", " leading space", "trailing space ", "two  spaces", "tabs\tand\nnewlines\n\n\nend",
    "It's they're we've I'm you'll he'd SHE'S", "numbers 1234567 and 3.14159, 1,000", "x2y 12ab",
    "Ünïcödé façade — “quotes” ‘single’ …", "日本語のテキスト", "emoji 🙂👍🏽 done", "   ", "\n", "a\n\nb",
    "<|im_start|>user literal", "mixed-case CamelCase snake_case kebab-case",
]
PPL_TOKENS = 1020
CTX = 256
LOGIT_TOKENS = 32
LOGIT_STRIDE = 48


def field_strings(r, key):
    f = r.fields[key]
    return [bytes(f.parts[i]).decode('utf-8') for i in f.data]


def build_tokenizer(r):
    tokens = field_strings(r, 'tokenizer.ggml.tokens')
    merges = [tuple(m.split(' ', 1)) for m in field_strings(r, 'tokenizer.ggml.merges')]
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    return tok


def weights(r):
    w = {}
    for t in r.tensors:
        a = dequantize(t.data, t.tensor_type).astype(np.float32)
        w[t.name] = a.reshape([int(x) for x in reversed(t.shape)]) if a.ndim != len(t.shape) or a.size else a
        w[t.name] = w[t.name].reshape([int(x) for x in reversed(t.shape)])
    return w


def meta_int(r, key):
    return int(r.fields[key].contents())


def forward(r, w, tokens):
    D = meta_int(r, 'llama.embedding_length'); L = meta_int(r, 'llama.block_count')
    nh = meta_int(r, 'llama.attention.head_count'); nkv = meta_int(r, 'llama.attention.head_count_kv')
    base = float(r.fields['llama.rope.freq_base'].contents())
    eps = np.float32(r.fields['llama.attention.layer_norm_rms_epsilon'].contents())
    hs = D // nh; T = len(tokens)
    def rms(x, g):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * g
    inv = 1.0 / (base ** (np.arange(0, hs, 2, dtype=np.float64) / hs))
    ang = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]
    cos, sin = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    def rope(x):  # GGUF llama: adjacent pairs
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos[:, None, :] - b * sin[:, None, :]
        out[..., 1::2] = a * sin[:, None, :] + b * cos[:, None, :]
        return out
    mask = np.triu(np.full((T, T), -np.inf, dtype=np.float32), k=1)
    x = w['token_embd.weight'][tokens]
    for l in range(L):
        p = f'blk.{l}.'
        n = rms(x, w[p + 'attn_norm.weight'])
        q = rope((n @ w[p + 'attn_q.weight'].T).reshape(T, nh, hs))
        k = np.repeat(rope((n @ w[p + 'attn_k.weight'].T).reshape(T, nkv, hs)), nh // nkv, axis=1)
        v = np.repeat((n @ w[p + 'attn_v.weight'].T).reshape(T, nkv, hs), nh // nkv, axis=1)
        s = q.transpose(1, 0, 2) @ k.transpose(1, 2, 0) / np.float32(np.sqrt(hs)) + mask
        s = np.exp(s - s.max(axis=-1, keepdims=True)); s /= s.sum(axis=-1, keepdims=True)
        a = (s @ v.transpose(1, 0, 2)).transpose(1, 0, 2).reshape(T, D)
        x = x + a @ w[p + 'attn_output.weight'].T
        m = rms(x, w[p + 'ffn_norm.weight'])
        g = m @ w[p + 'ffn_gate.weight'].T
        x = x + (g / (1 + np.exp(-g)) * (m @ w[p + 'ffn_up.weight'].T)) @ w[p + 'ffn_down.weight'].T
    head = w.get('output.weight', w['token_embd.weight'])
    return rms(x, w['output_norm.weight']) @ head.T


def main():
    r = GGUFReader(MODEL)
    tok = build_tokenizer(r)
    bos = meta_int(r, 'tokenizer.ggml.bos_token_id')
    text = open(TEXT, encoding='utf-8').read()
    shakes = open(SHAKESPEARE, encoding='utf-8').read()
    golden = {'peer': 'huggingface tokenizers ' + __import__('tokenizers').__version__,
              'samples': [{'text': s, 'ids': tok.encode(s).ids} for s in SAMPLES]}
    golden['tinystories_prefix'] = {'chars': 20000, 'ids': tok.encode(text[:20000]).ids}
    golden['shakespeare_prefix'] = {'chars': 20000, 'ids': tok.encode(shakes[:20000]).ids}
    for s in golden['samples']:
        assert tok.decode(s['ids']) == s['text'], s
    with open(os.path.join(HERE, 'smollm2_tokens.json'), 'w') as f:
        json.dump(golden, f, ensure_ascii=False, indent=0)
    w = weights(r)
    stream = golden['tinystories_prefix']['ids']
    seq = [bos] + stream[:LOGIT_TOKENS - 1]
    logits = forward(r, w, seq).astype(np.float64)
    m = logits.max(axis=-1)
    lse = m + np.log(np.exp(logits - m[:, None]).sum(axis=-1))
    logits[:, ::LOGIT_STRIDE].astype('<f4').tofile(os.path.join(HERE, 'smollm2_logits.f32'))
    nll, n = 0.0, 0
    for b in range(0, PPL_TOKENS, CTX - 1):
        win = stream[b:min(b + CTX - 1, PPL_TOKENS)]
        lg = forward(r, w, [bos] + win[:-1]).astype(np.float64)
        mm = lg.max(axis=-1, keepdims=True)
        l2 = (mm + np.log(np.exp(lg - mm).sum(axis=-1, keepdims=True)))[:, 0]
        nll += float(np.sum(l2 - lg[np.arange(len(win)), win])); n += len(win)
    ref = {'tokens': seq, 'logit_stride': LOGIT_STRIDE, 'argmax': logits.argmax(axis=-1).tolist(),
           'logsumexp': lse.tolist(), 'perplexity': {'context': CTX, 'tokens': n, 'mean_nll': nll / n,
                                                     'perplexity': float(np.exp(nll / n))}}
    with open(os.path.join(HERE, 'smollm2_reference.json'), 'w') as f:
        json.dump(ref, f, indent=0)
    print(json.dumps(ref['perplexity']))


if __name__ == '__main__':
    main()
