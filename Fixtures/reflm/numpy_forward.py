#!/usr/bin/env python3
"""Independent numpy reference for stories260K (llama2.c checkpoint): tokenizer, forward, perplexity.

Reads ../shared/models/stories260K/{stories260K.bin,tok512.bin} and ../shared/corpus/tinystories_val.txt
directly (following llama2.c run.c; no project code), and writes the small golden outputs beside
this script:
  tokens.i32           a fixed token sequence (BOS + encoded prompt)
  logits_f32.f32       logits (T, 512) of that sequence, float32 forward
  logits_f64.f32       the same from a float64 forward (stored as float32)
  val_tokens.i32       the first VAL_TOKENS tokens of tinystories_val.txt (no BOS, dummy prefix)
  reference.json       perplexities (ctx 256 and 512 on the first PPL_TOKENS tokens, float32 and
                       float64; and on the whole text, float32), greedy generation from BOS.
Run: /work/main/.venv-peers/bin/python Fixtures/reflm/numpy_forward.py [SHARED_DIR]
"""
import json, os, struct, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', 'shared')
MODEL = os.path.join(SHARED, 'models', 'stories260K', 'stories260K.bin')
TOKENIZER = os.path.join(SHARED, 'models', 'stories260K', 'tok512.bin')
TEXT = os.path.join(SHARED, 'corpus', 'tinystories_val.txt')
PROMPT = 'Once upon a time, there was a little girl named Lily. She loved to play'
VAL_TOKENS = 4096
PPL_TOKENS = 4096


def load_model(path):
    raw = open(path, 'rb').read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack_from('<7i', raw, 0)
    shared = vocab > 0
    vocab = abs(vocab)
    hs = dim // heads
    kv = kv_heads * hs
    data = np.frombuffer(raw, dtype='<f4', offset=28)
    pos = 0
    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        a = data[pos:pos + n].reshape(shape)
        pos += n
        return a
    w = {}
    w['emb'] = take(vocab, dim)
    w['rms_att'] = take(layers, dim)
    w['wq'] = take(layers, dim, dim)        # run.c matmul: W (out, in) @ x
    w['wk'] = take(layers, kv, dim)
    w['wv'] = take(layers, kv, dim)
    w['wo'] = take(layers, dim, dim)
    w['rms_ffn'] = take(layers, dim)
    w['w1'] = take(layers, hidden, dim)
    w['w2'] = take(layers, dim, hidden)
    w['w3'] = take(layers, hidden, dim)
    w['rms_final'] = take(dim)
    take(seq_len, hs // 2)
    take(seq_len, hs // 2)
    w['wcls'] = w['emb'] if shared else take(vocab, dim)
    assert pos == data.size, 'size mismatch'
    cfg = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads, vocab=vocab, seq_len=seq_len)
    return cfg, w


def forward(cfg, w, tokens, dtype, taps=None):
    """Logits (T, vocab) for tokens at positions 0..T-1, causal attention, whole window at once.
    When `taps` is a dict, the input of every linear layer is stored in it by site key."""
    tap = (lambda k, v: taps.__setitem__(k, v)) if taps is not None else (lambda k, v: None)
    D, L, nh, nkv = cfg['dim'], cfg['layers'], cfg['heads'], cfg['kv_heads']
    hs = D // nh
    T = len(tokens)
    W = {k: v.astype(dtype) for k, v in w.items()}
    eps = dtype(1e-5)
    def rms(x, g):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * g
    inv = (1.0 / (10000.0 ** (np.arange(0, hs, 2, dtype=np.float64) / hs)))
    ang = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]          # (T, hs/2)
    cos, sin = np.cos(ang).astype(dtype), np.sin(ang).astype(dtype)
    def rope(x):                                                           # x (T, heads, hs), adjacent pairs
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos[:, None, :] - b * sin[:, None, :]
        out[..., 1::2] = a * sin[:, None, :] + b * cos[:, None, :]
        return out
    mask = np.triu(np.full((T, T), -np.inf, dtype=dtype), k=1)
    x = W['emb'][tokens]                                                   # (T, D)
    for l in range(L):
        n = rms(x, W['rms_att'][l])
        tap(f'blk.{l}.attn_qkv', n)
        q = rope((n @ W['wq'][l].T).reshape(T, nh, hs))
        k = rope((n @ W['wk'][l].T).reshape(T, nkv, hs))
        v = (n @ W['wv'][l].T).reshape(T, nkv, hs)
        rep = nh // nkv
        k = np.repeat(k, rep, axis=1)                                     # query head h uses kv head h // rep
        v = np.repeat(v, rep, axis=1)
        s = q.transpose(1, 0, 2) @ k.transpose(1, 2, 0) / dtype(np.sqrt(hs)) + mask  # (heads, T, T)
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        p = s / s.sum(axis=-1, keepdims=True)
        a = (p @ v.transpose(1, 0, 2)).transpose(1, 0, 2).reshape(T, D)  # (T, D)
        tap(f'blk.{l}.attn_output', a)
        x = x + a @ W['wo'][l].T
        m = rms(x, W['rms_ffn'][l])
        tap(f'blk.{l}.ffn_gate_up', m)
        g = m @ W['w1'][l].T
        h = g / (1 + np.exp(-g)) * (m @ W['w3'][l].T)
        tap(f'blk.{l}.ffn_down', h)
        x = x + h @ W['w2'][l].T
    xf = rms(x, W['rms_final'])
    tap('output', xf)
    return xf @ W['wcls'].T


def load_tokenizer(path):
    raw = open(path, 'rb').read()
    o = 4
    pieces, scores = [], []
    while o < len(raw):
        s, n = struct.unpack_from('<fi', raw, o)
        pieces.append(raw[o + 8:o + 8 + n]); scores.append(s)
        o += 8 + n
    return pieces, scores


class Tokenizer:
    """run.c encode(): dummy prefix, code points or byte fallback (id = byte + 3), best-score merges."""
    def __init__(self, pieces, scores):
        self.pieces, self.scores = pieces, scores
        self.lookup = {}
        for i, p in enumerate(pieces):
            self.lookup.setdefault(p, i)

    def merge(self, s):
        while True:
            best, bi, bid = -1e30, -1, -1
            for j in range(len(s) - 1):
                i = self.lookup.get(self.pieces[s[j]] + self.pieces[s[j + 1]])
                if i is not None and self.scores[i] > best:
                    best, bi, bid = self.scores[i], j, i
            if bi < 0:
                return s
            s = s[:bi] + [bid] + s[bi + 2:]

    def symbols(self, text):
        out = [self.lookup[b' ']] if text else []
        for ch in text:
            b = ch.encode('utf-8')
            if b in self.lookup:
                out.append(self.lookup[b])
            else:
                out.extend(x + 3 for x in b)
        return out

    def encode(self, text, bos, chunked=True):
        s = self.symbols(text)
        out = [1] if bos else []
        if not chunked:
            return out + self.merge(s)
        start = 0
        for j in range(1, len(s) + 1):
            if j == len(s) or self.pieces[s[j]].startswith(b' '):
                out += self.merge(s[start:j]); start = j
        return out

    def decode(self, ids):
        out = b''
        prev = 1
        for i in ids:
            p = self.pieces[i]
            if prev == 1 and p.startswith(b' '):
                p = p[1:]
            if len(p) == 6 and p.startswith(b'<0x') and p.endswith(b'>'):
                p = bytes([int(p[3:5], 16)])
            out += p
            prev = i
        return out.decode('utf-8', errors='replace')


def perplexity(cfg, w, stream, ctx, dtype):
    nll, n = 0.0, 0
    for b in range(0, len(stream), ctx - 1):
        win = stream[b:b + ctx - 1]
        logits = forward(cfg, w, [1] + win[:-1], dtype).astype(np.float64)
        m = logits.max(axis=-1, keepdims=True)
        lse = (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))[:, 0]
        nll += float(np.sum(lse - logits[np.arange(len(win)), win])); n += len(win)
    return dict(tokens=n, windows=(len(stream) + ctx - 2) // (ctx - 1), mean_nll=nll / n, perplexity=float(np.exp(nll / n)))


def main():
    cfg, w = load_model(MODEL)
    tok = Tokenizer(*load_tokenizer(TOKENIZER))
    text = open(TEXT, encoding='utf-8').read()
    # Chunked merging equals run.c's whole-text merging (checked on a prefix; whole text is O(n^2)).
    sample = text[:3000]
    assert tok.encode(sample, False) == tok.encode(sample, False, chunked=False)
    tokens = tok.encode(PROMPT, True)
    np.asarray(tokens, dtype='<i4').tofile(os.path.join(HERE, 'tokens.i32'))
    forward(cfg, w, tokens, np.float32).astype('<f4').tofile(os.path.join(HERE, 'logits_f32.f32'))
    forward(cfg, w, tokens, np.float64).astype('<f4').tofile(os.path.join(HERE, 'logits_f64.f32'))
    stream = tok.encode(text, False)
    np.asarray(stream[:VAL_TOKENS], dtype='<i4').tofile(os.path.join(HERE, 'val_tokens.i32'))
    ref = dict(prompt=PROMPT, val_text_tokens=len(stream), ppl_tokens=PPL_TOKENS, perplexity={})
    for ctx in (256, 512):
        for name, dt in (('f32', np.float32), ('f64', np.float64)):
            ref['perplexity'][f'ctx{ctx}_{name}'] = perplexity(cfg, w, stream[:PPL_TOKENS], ctx, dt)
        ref['perplexity'][f'ctx{ctx}_f32_whole_text'] = perplexity(cfg, w, stream, ctx, np.float32)
    # Greedy generation from BOS (full recompute each step; fine for a tiny model).
    seq = [1]
    for _ in range(40):
        seq.append(int(np.argmax(forward(cfg, w, seq, np.float32)[-1])))
    ref['greedy_from_bos'] = dict(tokens=seq[1:], text=tok.decode(seq[1:]))
    with open(os.path.join(HERE, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=1)
    print(json.dumps(ref['perplexity'], indent=1)); print(ref['greedy_from_bos']['text'])


if __name__ == '__main__':
    main()
