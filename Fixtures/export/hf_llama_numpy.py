#!/usr/bin/env python3
"""Runs a Hugging Face Llama folder the way transformers' LlamaForCausalLM does, in numpy float64, as a
test peer for `allone-compress export --to safetensors` (PyTorch is not installable in the test
environment, so transformers itself cannot run here).

usage: hf_llama_numpy.py FOLDER TOKENS.i32 EXPECTED_LOGITS.f32

FOLDER holds config.json and model.safetensors, read only through the HF config keys and HF tensor
names (safetensors' own numpy loader); no project code. The forward is a line-by-line transcription of
transformers' modeling_llama.py (eager attention): LlamaRMSNorm, rotary embedding with
`rotate_half` (cos/sin of cat(freqs, freqs)), `repeat_kv` for grouped KV heads, causal softmax
attention scaled by head_dim^-0.5, SiLU-gated MLP, final norm, lm_head (or the tied embedding).
Prints one JSON line: the largest absolute difference between its logits of TOKENS and EXPECTED
(float32, row-major (T, vocab)), and how many positions agree on the argmax."""
import json, os, sys
import numpy as np
from safetensors.numpy import load_file


def rms_norm(x, w, eps):
    var = np.mean(x * x, axis=-1, keepdims=True)
    return w * (x / np.sqrt(var + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(folder, ids):
    cfg = json.load(open(os.path.join(folder, 'config.json')))
    assert cfg['architectures'] == ['LlamaForCausalLM'] and cfg['model_type'] == 'llama', cfg
    w = {k: v.astype(np.float64) for k, v in load_file(os.path.join(folder, 'model.safetensors')).items()}
    H, KV = cfg['num_attention_heads'], cfg['num_key_value_heads']
    hd = cfg.get('head_dim') or cfg['hidden_size'] // H
    eps, theta = cfg['rms_norm_eps'], cfg.get('rope_theta', 10000.0)
    T = len(ids)
    inv_freq = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    freqs = np.outer(np.arange(T, dtype=np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb)[None], np.sin(emb)[None]          # (1, T, hd)
    mask = np.triu(np.full((T, T), -np.inf), k=1)
    h = w['model.embed_tokens.weight'][ids]                  # (T, hidden)
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        x = rms_norm(h, w[p + 'input_layernorm.weight'], eps)
        q = (x @ w[p + 'self_attn.q_proj.weight'].T).reshape(T, H, hd).transpose(1, 0, 2)
        k = (x @ w[p + 'self_attn.k_proj.weight'].T).reshape(T, KV, hd).transpose(1, 0, 2)
        v = (x @ w[p + 'self_attn.v_proj.weight'].T).reshape(T, KV, hd).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = np.repeat(k, H // KV, axis=0), np.repeat(v, H // KV, axis=0)   # repeat_kv
        s = q @ k.transpose(0, 2, 1) * hd ** -0.5 + mask
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        a = (s / s.sum(axis=-1, keepdims=True)) @ v           # (H, T, hd)
        h = h + a.transpose(1, 0, 2).reshape(T, H * hd) @ w[p + 'self_attn.o_proj.weight'].T
        x = rms_norm(h, w[p + 'post_attention_layernorm.weight'], eps)
        g = x @ w[p + 'mlp.gate_proj.weight'].T
        h = h + ((g / (1 + np.exp(-g))) * (x @ w[p + 'mlp.up_proj.weight'].T)) @ w[p + 'mlp.down_proj.weight'].T
    h = rms_norm(h, w['model.norm.weight'], eps)
    head = w['model.embed_tokens.weight'] if cfg.get('tie_word_embeddings', True) else w['lm_head.weight']
    return h @ head.T


def main():
    folder, tokens, expected = sys.argv[1:4]
    ids = np.fromfile(tokens, dtype='<i4')
    logits = forward(folder, ids)
    want = np.fromfile(expected, dtype='<f4').astype(np.float64).reshape(logits.shape)
    print(json.dumps({'tokens': int(len(ids)), 'max_abs_diff': float(np.max(np.abs(logits - want))),
                      'argmax_agree': int(np.sum(logits.argmax(-1) == want.argmax(-1)))}))


main()
