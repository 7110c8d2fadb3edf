#!/usr/bin/env python3
"""Writes the malformed llama2.c corpus (checkpoints and tokenizer.bin files) and manifest.json.

Run from anywhere: `python3 make_malformed.py` (standard library only). Each entry of manifest.json
names a file, what it is (checkpoint | tokenizer), an optional vocab_size to require, and the
expected outcome: "ok", or the WeightFormatError case and the field it must name. The valid files
hold float32(i) at float index i of the data stream so tests can check the name mapping of run.c.
"""
import json, os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
# A tiny llama2.c model: dim 8, hidden 12, 2 layers, 2 heads, 1 KV head, vocab 16, seq_len 4.
D, H, L, NH, NKV, V, S = 8, 12, 2, 2, 1, 16, 4
HS = D // NH
KV = NKV * HS

def n_floats(untied):
    n = V * D + L * D + L * D * D + 2 * L * KV * D + L * D * D + L * D + 3 * L * H * D + D + 2 * S * (HS // 2)
    return n + (V * D if untied else 0)

def header(d=D, h=H, l=L, nh=NH, nkv=NKV, v=V, s=S):
    return struct.pack('<7i', d, h, l, nh, nkv, v, s)

def floats(n):
    return struct.pack('<%df' % n, *[float(i) for i in range(n)])

tied = header() + floats(n_floats(False))
untied = header(v=-V) + floats(n_floats(True))
# byte offset of each llama2.c array in the tied file
off = {}
o = 28
for name, n in [('token_embedding_table', V * D), ('rms_att_weight', L * D), ('wq', L * D * D), ('wk', L * KV * D),
                ('wv', L * KV * D), ('wo', L * D * D), ('rms_ffn_weight', L * D), ('w1', L * H * D),
                ('w2', L * D * H), ('w3', L * H * D), ('rms_final_weight', D), ('freq_cis_real', S * HS // 2),
                ('freq_cis_imag', S * HS // 2)]:
    off[name] = o
    o += 4 * n
assert o == len(tied)

entries = []
def add(name, data, kind, error, field=None, vocab_size=None):
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data)
    e = {'file': name, 'kind': kind, 'error': error}
    if field is not None: e['field'] = field
    if vocab_size is not None: e['vocab_size'] = vocab_size
    entries.append(e)

ck = 'checkpoint'
add('valid_tied.bin', tied, ck, 'ok')
add('valid_untied.bin', untied, ck, 'ok')
add('ck_empty.bin', b'', ck, 'truncated', 'dim')
add('ck_3_bytes.bin', b'\x08\x00\x00', ck, 'truncated', 'dim')
add('ck_header_20_bytes.bin', tied[:20], ck, 'truncated', 'vocab_size')
add('ck_header_only.bin', tied[:28], ck, 'truncated', 'token_embedding_table')
add('ck_dim_zero.bin', header(d=0) + tied[28:], ck, 'invalid', 'dim')
add('ck_dim_negative.bin', header(d=-8) + tied[28:], ck, 'invalid', 'dim')
add('ck_hidden_zero.bin', header(h=0) + tied[28:], ck, 'invalid', 'hidden_dim')
add('ck_layers_zero.bin', header(l=0) + tied[28:], ck, 'invalid', 'n_layers')
add('ck_heads_zero.bin', header(nh=0) + tied[28:], ck, 'invalid', 'n_heads')
add('ck_kv_heads_zero.bin', header(nkv=0) + tied[28:], ck, 'invalid', 'n_kv_heads')
add('ck_kv_heads_negative.bin', header(nkv=-1) + tied[28:], ck, 'invalid', 'n_kv_heads')
add('ck_vocab_zero.bin', header(v=0) + tied[28:], ck, 'invalid', 'vocab_size')
add('ck_seq_len_zero.bin', header(s=0) + tied[28:], ck, 'invalid', 'seq_len')
add('ck_heads_not_dividing_dim.bin', header(nh=3) + tied[28:], ck, 'invalid', 'n_heads')
add('ck_kv_heads_above_heads.bin', header(nkv=4) + tied[28:], ck, 'invalid', 'n_kv_heads')
add('ck_kv_heads_not_dividing.bin', header(nh=4, nkv=3) + tied[28:], ck, 'invalid', 'n_kv_heads')
add('ck_odd_head_size.bin', header(nh=8, nkv=8) + tied[28:], ck, 'invalid', 'n_heads')
add('ck_dim_absurd.bin', header(d=0x7fffffff) + tied[28:], ck, 'limitExceeded', 'dim')
add('ck_hidden_absurd.bin', header(h=0x40000000) + tied[28:], ck, 'limitExceeded', 'hidden_dim')
add('ck_layers_absurd.bin', header(l=1 << 20) + tied[28:], ck, 'limitExceeded', 'n_layers')
add('ck_vocab_int_min.bin', header(v=-(1 << 31)) + tied[28:], ck, 'limitExceeded', 'vocab_size')
add('ck_seq_len_absurd.bin', header(s=0x7fffffff) + tied[28:], ck, 'limitExceeded', 'seq_len')
add('ck_huge_but_in_limits.bin', header(d=1 << 16, h=1 << 18, l=1 << 12, nh=1 << 12, nkv=1 << 12, v=1 << 22, s=1 << 20) + tied[28:],
    ck, 'truncated', 'token_embedding_table')
add('ck_cut_in_embedding.bin', tied[:28 + 100], ck, 'truncated', 'token_embedding_table')
add('ck_cut_in_wk.bin', tied[:off['wk'] + 10], ck, 'truncated', 'wk')
add('ck_cut_in_w2.bin', tied[:off['w2'] + 4], ck, 'truncated', 'w2')
add('ck_cut_last_float.bin', tied[:-4], ck, 'truncated', 'freq_cis_imag')
add('ck_cut_last_byte.bin', tied[:-1], ck, 'truncated', 'freq_cis_imag')
add('ck_trailing_byte.bin', tied + b'\x00', ck, 'invalid', 'file size')
add('ck_trailing_float.bin', tied + b'\x00' * 4, ck, 'invalid', 'file size')
add('ck_tied_header_with_wcls.bin', header() + untied[28:], ck, 'invalid', 'file size')
add('ck_untied_header_without_wcls.bin', header(v=-V) + tied[28:], ck, 'truncated', 'wcls')
add('ck_more_layers_than_data.bin', header(l=3) + tied[28:], ck, 'truncated', 'w2')

tok = 'tokenizer'
def token(score, piece, length=None):
    return struct.pack('<fi', score, len(piece) if length is None else length) + piece
pieces = [b'<unk>', b'\n<s>\n', b'\n</s>\n'] + [b'<0x%02X>' % i for i in range(4)] + [b' a', b'b', b' ab']
valid_tok = struct.pack('<i', 6) + b''.join(token(-float(i), p) for i, p in enumerate(pieces))
add('valid_tok.bin', valid_tok, tok, 'ok', vocab_size=len(pieces))
add('tok_empty.bin', b'', tok, 'truncated', 'max_token_length')
add('tok_max_len_zero.bin', struct.pack('<i', 0) + valid_tok[4:], tok, 'invalid', 'max_token_length')
add('tok_max_len_negative.bin', struct.pack('<i', -5) + valid_tok[4:], tok, 'invalid', 'max_token_length')
add('tok_max_len_absurd.bin', struct.pack('<i', 0x7fffffff) + valid_tok[4:], tok, 'limitExceeded', 'max_token_length')
add('tok_header_only.bin', struct.pack('<i', 6), tok, 'truncated', 'token 0 score')
add('tok_score_nan.bin', struct.pack('<i', 6) + token(float('nan'), b'ab') + valid_tok[4:], tok, 'invalid', 'token 0 score')
add('tok_score_inf.bin', valid_tok + token(float('inf'), b'ab'), tok, 'invalid', 'token 10 score')
add('tok_length_zero.bin', valid_tok + token(0.0, b''), tok, 'invalid', 'token 10 length')
add('tok_length_negative.bin', valid_tok + token(0.0, b'', length=-1), tok, 'invalid', 'token 10 length')
add('tok_length_over_max.bin', valid_tok + token(0.0, b'abcdefg'), tok, 'invalid', 'token 10 length')
add('tok_length_int_max.bin', struct.pack('<i', 6) + token(0.0, b'x', length=0x7fffffff), tok, 'invalid', 'token 0 length')
add('tok_cut_in_bytes.bin', valid_tok + token(0.0, b'abcd')[:-2], tok, 'truncated', 'token 10 bytes')
add('tok_cut_in_length.bin', valid_tok + token(0.0, b'abcd')[:6], tok, 'truncated', 'token 10 length')
add('tok_cut_in_score.bin', valid_tok + b'\x00\x00', tok, 'truncated', 'token 10 score')
add('tok_fewer_than_vocab.bin', valid_tok, tok, 'truncated', 'token 10 score', vocab_size=12)
add('tok_more_than_vocab.bin', valid_tok, tok, 'invalid', 'token 8', vocab_size=8)

with open(os.path.join(HERE, 'manifest.json'), 'w') as f:
    json.dump({'model': {'dim': D, 'hidden_dim': H, 'n_layers': L, 'n_heads': NH, 'n_kv_heads': NKV,
                         'vocab_size': V, 'seq_len': S, 'offsets': off}, 'files': entries}, f, indent=1)
print(len(entries), 'files')
