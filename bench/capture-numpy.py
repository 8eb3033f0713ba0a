#!/usr/bin/env python3
"""A plain numpy float32 forward pass of a llama2.c legacy checkpoint (e.g. stories260K), run over
the same token stream and windows as `nmsim capture`'s perplexity protocol (src/capture/perplexity.ts):
windows ids[i : i + seq_len] for i = 0, seq_len - 1, 2 (seq_len - 1), ..., each a whole-sequence
causal pass from an empty cache, every next-token prediction scored once. The peer for issue 17's
"capture faster than numpy" (bench/capture-bench.mjs runs both).

The token stream comes from nmsim's own tokenizer (little-endian int32 file written by the bench
runner), so both tools see the same ids: this script measures the forward pass, not a tokenizer.

    python3 bench/capture-numpy.py MODEL.bin STREAM.i32 [--json]

Prints tokens processed, windows, mean NLL (nats) and tokens/s over the windows (wall and CPU of
the loop, model load excluded). Plain numpy (matmul on float32 arrays; BLAS threads as numpy
configures them; bench/capture-bench.mjs runs it both with the default threads and with
OPENBLAS_NUM_THREADS=1, which on a loaded 2-core machine is several times faster).
"""
import json
import sys
import time

import numpy as np


def load_legacy(path):
    raw = open(path, 'rb').read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = np.frombuffer(raw, dtype='<i4', count=7)
    shared = vocab > 0
    vocab = abs(int(vocab))
    dim, hidden, n_layers, n_heads, n_kv, seq_len = map(int, (dim, hidden, n_layers, n_heads, n_kv, seq_len))
    hs = dim // n_heads
    kv_dim = n_kv * hs
    f = np.frombuffer(raw, dtype='<f4', offset=28)
    off = 0

    def take(*shape):
        nonlocal off
        n = int(np.prod(shape))
        a = f[off:off + n].reshape(shape)
        off += n
        return a

    w = {
        'emb': take(vocab, dim),
        'rms_att': take(n_layers, dim),
        'wq': take(n_layers, dim, dim),
        'wk': take(n_layers, kv_dim, dim),
        'wv': take(n_layers, kv_dim, dim),
        'wo': take(n_layers, dim, dim),
        'rms_ffn': take(n_layers, dim),
        'w1': take(n_layers, hidden, dim),
        'w2': take(n_layers, dim, hidden),
        'w3': take(n_layers, hidden, dim),
        'rms_final': take(dim),
    }
    off += seq_len * hs  # freq_cis_real + freq_cis_imag, unused (RoPE recomputed)
    w['wcls'] = w['emb'] if shared else take(vocab, dim)
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads, n_kv=n_kv, vocab=vocab, seq_len=seq_len)
    return cfg, w


def rmsnorm(x, g):
    return (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + np.float32(1e-5))) * g


def forward(cfg, w, ids, cos, sin, masks):
    """Logits [T, vocab] of a whole-sequence causal pass (llama2.c run.c, float32)."""
    T = len(ids)
    dim, nh, nkv = cfg['dim'], cfg['n_heads'], cfg['n_kv']
    hs = dim // nh
    rep = nh // nkv
    x = w['emb'][ids].copy()
    c, s = cos[:T], sin[:T]
    mask = masks[:T, :T]
    scale = np.float32(1 / np.sqrt(hs))
    for l in range(cfg['n_layers']):
        xb = rmsnorm(x, w['rms_att'][l])
        q = xb @ w['wq'][l].T
        k = xb @ w['wk'][l].T
        v = xb @ w['wv'][l].T
        for a in (q, k):  # RoPE on adjacent pairs within each head
            a0, a1 = a[:, 0::2].copy(), a[:, 1::2].copy()
            cc, ss = c[:, :a0.shape[1]], s[:, :a0.shape[1]]
            a[:, 0::2] = a0 * cc - a1 * ss
            a[:, 1::2] = a0 * ss + a1 * cc
        qh = q.reshape(T, nh, hs).transpose(1, 0, 2)
        kh = np.repeat(k.reshape(T, nkv, hs).transpose(1, 0, 2), rep, axis=0)
        vh = np.repeat(v.reshape(T, nkv, hs).transpose(1, 0, 2), rep, axis=0)
        att = (qh @ kh.transpose(0, 2, 1)) * scale + mask
        att = np.exp(att - att.max(axis=-1, keepdims=True))
        att /= att.sum(axis=-1, keepdims=True)
        o = (att @ vh).transpose(1, 0, 2).reshape(T, dim)
        x += o @ w['wo'][l].T
        xb = rmsnorm(x, w['rms_ffn'][l])
        g = xb @ w['w1'][l].T
        u = xb @ w['w3'][l].T
        h = (g / (1 + np.exp(-g))) * u
        x += h @ w['w2'][l].T
    return rmsnorm(x, w['rms_final']) @ w['wcls'].T


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    as_json = '--json' in sys.argv
    cfg, w = load_legacy(args[0])
    stream = np.fromfile(args[1], dtype='<i4')
    L, hs = cfg['seq_len'], cfg['dim'] // cfg['n_heads']
    pos = np.arange(L, dtype=np.float32)[:, None]
    # per pair index i (channel 2i within a head): freq = 1 / 10000^(2i / hs), as run.c
    pair = (np.arange(cfg['dim'] // 2) * 2) % hs
    freq = (1.0 / np.power(10000.0, pair / hs)).astype(np.float32)
    ang = (pos * freq).astype(np.float32)
    cos, sin = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    masks = np.triu(np.full((L, L), -np.inf, dtype=np.float32), 1)
    starts = list(range(0, len(stream) - 1, L - 1))
    t0, c0 = time.perf_counter(), time.process_time()
    nll, scored, processed = 0.0, 0, 0
    for st in starts:
        win = stream[st:st + L]
        logits = forward(cfg, w, win, cos, sin, masks).astype(np.float64)
        m = logits.max(axis=-1, keepdims=True)
        lse = np.log(np.exp(logits - m).sum(axis=-1)) + m[:, 0]
        tgt = win[1:]
        nll += float((lse[:-1] - logits[np.arange(len(win) - 1), tgt]).sum())
        scored += len(win) - 1
        processed += len(win)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = dict(tokens=processed, windows=len(starts), scored=scored, mean_nll_nats=nll / scored,
               wall_s=wall, cpu_s=cpu, tokens_per_s=processed / wall, tokens_per_cpu_s=processed / cpu)
    print(json.dumps(out) if as_json else '\n'.join(f'{k}: {v}' for k, v in out.items()))


if __name__ == '__main__':
    main()
