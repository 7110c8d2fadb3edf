#!/usr/bin/env python3
"""Test peer for `allone-compress export`: checks, with the independent gguf-py / safetensors
packages, that an exported file reads back and holds the source's values.

usage: peer_check.py SOURCE EXPORTED
SOURCE is a GGUF file (dequantized here with gguf-py) or a llama2.c .bin (read with numpy).
EXPORTED is .gguf or .safetensors. A safetensors export in the Hugging Face Llama layout
(`model.layers.N.self_attn.q_proj.weight`, ...) is mapped back to GGUF names by the table below, its
q/k rows are put back into GGUF order by llama.cpp's own `permute` (convert_hf_to_gguf.py, copied
verbatim) with the head counts of the config.json beside it, and that config.json is checked against
the source's hyperparameters. For each tensor the expected values are the source's values
encoded as the exported type by the peer itself (numpy astype for F16, ml_dtypes-free BF16 rounding,
gguf-py quantize for Q8_0/Q4_0) and then decoded; F32/F16/BF16/Q8_0/Q4_0 must match bit for bit.
Prints one JSON line {"tensors": N, "max_abs_diff": x, "mismatched": [...]} and exits 1 on mismatch."""
import json, sys
import numpy as np

def llama2c_tensors(path):
    raw = np.fromfile(path, dtype=np.uint8)
    dim, hidden, layers, heads, kv, vocab, seq = np.frombuffer(raw[:28].tobytes(), dtype="<i4")
    shared = vocab > 0; vocab = abs(vocab); hs = dim // heads
    f = np.frombuffer(raw[28:].tobytes(), dtype="<f4"); o = 0
    def take(*shape):
        nonlocal o
        n = int(np.prod(shape)); a = f[o:o + n].reshape(shape); o += n; return a
    t = {"token_embd.weight": take(vocab, dim)}
    for name, shape in [("attn_norm", (dim,)), ("attn_q", (heads * hs, dim)), ("attn_k", (kv * hs, dim)),
                        ("attn_v", (kv * hs, dim)), ("attn_output", (dim, heads * hs)), ("ffn_norm", (dim,)),
                        ("ffn_gate", (hidden, dim)), ("ffn_down", (dim, hidden)), ("ffn_up", (hidden, dim))]:
        for l in range(layers):
            t[f"blk.{l}.{name}.weight"] = take(*shape)
    t["output_norm.weight"] = take(dim)
    take(seq, hs // 2); take(seq, hs // 2)
    if not shared:
        t["output.weight"] = take(vocab, dim)
    return t

def gguf_tensors(path):
    import gguf
    r = gguf.GGUFReader(path)
    out = {}
    for t in r.tensors:
        a = gguf.quants.dequantize(t.data, t.tensor_type)
        shape = [int(x) for x in reversed(t.shape.tolist())]
        out[t.name] = np.asarray(a, dtype=np.float32).reshape(shape)
    return out

HF_BLOCK = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
            "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
            "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}
HF_GLOBAL = {"model.embed_tokens": "token_embd", "model.norm": "output_norm", "lm_head": "output"}


def gguf_name(hf):
    stem, suffix = hf.rsplit(".", 1)
    if stem in HF_GLOBAL:
        return f"{HF_GLOBAL[stem]}.{suffix}"
    parts = stem.split(".")
    assert parts[:2] == ["model", "layers"], hf
    return f"blk.{parts[2]}.{HF_BLOCK['.'.join(parts[3:])]}.{suffix}"


def permute(weights, n_head, n_head_kv):
    # llama.cpp convert_hf_to_gguf.py, LlamaModel.permute (numpy instead of torch)
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


def source_hparams(src):
    """(hidden, ffn, layers, heads, kv_heads, vocab, ctx, tied) of the source, read independently."""
    if src.endswith(".gguf"):
        import gguf
        r = gguf.GGUFReader(src)
        f = lambda k: r.fields[k].contents()
        names = {t.name for t in r.tensors}
        emb = [t for t in r.tensors if t.name == "token_embd.weight"][0]
        return (f("llama.embedding_length"), f("llama.feed_forward_length"), f("llama.block_count"),
                f("llama.attention.head_count"), f("llama.attention.head_count_kv"), int(emb.shape[1]),
                f("llama.context_length"), "output.weight" not in names)
    dim, hidden, layers, heads, kv, vocab, seq = np.fromfile(src, dtype="<i4", count=7).tolist()
    return dim, hidden, layers, heads, kv, abs(vocab), seq, vocab > 0


def bf16_round(a):
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint32) << 16
    return r.astype(np.uint32).view(np.float32)

def main():
    src, exp = sys.argv[1], sys.argv[2]
    source = gguf_tensors(src) if src.endswith(".gguf") else llama2c_tensors(src)
    mismatched, worst = [], 0.0
    if exp.endswith(".safetensors"):
        # The reference implementation's own parser (Rust, via the Python binding) validates the
        # file and returns raw bytes; numpy has no bfloat16, so BF16 is widened here by shifting.
        import safetensors
        with open(exp, "rb") as fh:
            entries = safetensors.deserialize(fh.read())
        got, types = {}, {}
        for name, info in entries:
            raw = bytes(info["data"]); dt = info["dtype"].upper(); shape = info["shape"]
            types[name] = dt
            if dt == "BF16":
                a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            elif dt == "F16":
                a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
            elif dt == "F32":
                a = np.frombuffer(raw, dtype="<f4")
            else:
                a = np.zeros(0, dtype=np.float32)
            got[name] = a.reshape(shape)
        config_checked = 0
        if any(k.startswith("model.") for k in got):
            import os
            cfg = json.load(open(os.path.join(os.path.dirname(os.path.abspath(exp)), "config.json")))
            want_cfg = dict(zip(["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                                 "num_key_value_heads", "vocab_size", "max_position_embeddings", "tie_word_embeddings"],
                                source_hparams(src)))
            for k, v in want_cfg.items():
                if cfg.get(k) != v:
                    mismatched.append(f"config.json {k}: {cfg.get(k)} vs source {v}")
                config_checked += 1
            if cfg.get("architectures") != ["LlamaForCausalLM"] or cfg.get("model_type") != "llama":
                mismatched.append("config.json: not LlamaForCausalLM / llama")
            heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
            renamed = {}
            for name, a in got.items():
                if name.endswith("q_proj.weight"):
                    a = permute(a, heads, heads)
                elif name.endswith("k_proj.weight"):
                    a = permute(a, heads, kv)
                renamed[gguf_name(name)] = a
                types[gguf_name(name)] = types[name]
            got = renamed
        def decoded(k):
            return got[k].astype(np.float32)
    else:
        import gguf
        r = gguf.GGUFReader(exp)
        got = {t.name: t for t in r.tensors}
        types = {t.name: t.tensor_type.name for t in r.tensors}
        def decoded(k):
            t = got[k]
            a = gguf.quants.dequantize(t.data, t.tensor_type)
            return np.asarray(a, dtype=np.float32).reshape([int(x) for x in reversed(t.shape.tolist())])
    if set(got) != set(source):
        print(json.dumps({"error": "tensor names differ", "missing": sorted(set(source) - set(got)),
                          "extra": sorted(set(got) - set(source))}))
        sys.exit(1)
    import gguf
    for k, a in source.items():
        ty = types[k].upper()
        if ty in ("F32", "FLOAT32"):
            want = a.astype(np.float32)
        elif ty in ("F16", "FLOAT16"):
            want = a.astype(np.float16).astype(np.float32)
        elif ty in ("BF16", "BFLOAT16"):
            want = bf16_round(a)
        elif ty in ("Q8_0", "Q4_0"):
            qt = gguf.GGMLQuantizationType[ty]
            want = gguf.quants.dequantize(gguf.quants.quantize(a.astype(np.float32), qt), qt).reshape(a.shape)
        else:
            mismatched.append(f"{k}: unexpected type {ty}"); continue
        d = decoded(k)
        if d.shape != want.shape:
            mismatched.append(f"{k}: shape {d.shape} vs {want.shape}"); continue
        diff = float(np.max(np.abs(d.astype(np.float64) - want.astype(np.float64)))) if d.size else 0.0
        worst = max(worst, diff)
        if not np.array_equal(d.view(np.uint32), want.astype(np.float32).view(np.uint32)):
            mismatched.append(f"{k}: {ty} values differ (max abs {diff})")
    out = {"tensors": len(source), "max_abs_diff": worst, "mismatched": mismatched[:10]}
    if exp.endswith(".safetensors"):
        out["config_checked"] = config_checked
    print(json.dumps(out))
    sys.exit(1 if mismatched else 0)

main()
