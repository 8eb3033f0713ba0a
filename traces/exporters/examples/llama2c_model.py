"""Example model for torch_export.py: a llama2.c checkpoint (legacy v0 float32 .bin, e.g.
stories260K) as a torch module with Hugging Face Llama module names, plus its SentencePiece
tokenizer (tok512.bin). Use it as

    python traces/exporters/torch_export.py --model traces/exporters/examples/llama2c_model.py:build ...

LLAMA2C_CHECKPOINT and LLAMA2C_TOKENIZER choose the files (default: ../shared/models/
stories260K.bin and tok512.bin beside the repository). The text is split into stories at
"<|endoftext|>" lines; each story is BOS + its tokens, stories concatenated.

Checkpoint layout (karpathy/llama2.c, run.c `memory_map_weights`): 7 int32 (dim, hidden_dim,
n_layers, n_heads, n_kv_heads, vocab_size — negative when the classifier is not shared —,
seq_len), then float32 arrays: token embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1 (gate),
w2 (down), w3 (up), rms_final, two RoPE tables (skipped), [classifier]. Every matrix is stored
[out, in] like torch.nn.Linear.weight. RoPE rotates interleaved pairs (2i, 2i+1).

`python llama2c_model.py selftest` greedy-decodes 256 tokens from BOS and compares them with
../shared/data/stories260K_greedy_from_bos_256.txt.
"""
from __future__ import annotations

import math
import os
import struct
import sys
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared"))
BOS = 1


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


def rope(x, head_size):
    """llama2.c RoPE: pairs (2i, 2i+1) within each head rotated by pos / 10000^(2i/head_size)."""
    b, s, h, d = x.shape
    i = torch.arange(0, head_size, 2, dtype=torch.float32)
    ang = torch.arange(s, dtype=torch.float32)[:, None] * (1.0 / 10000.0 ** (i / head_size))[None, :]
    cos, sin = ang.cos()[None, :, None, :], ang.sin()[None, :, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).flatten(-2)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        hs = c.hidden_size // c.num_attention_heads
        self.q_proj = nn.Linear(c.hidden_size, c.num_attention_heads * hs, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hs, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hs, bias=False)
        self.o_proj = nn.Linear(c.num_attention_heads * hs, c.hidden_size, bias=False)

    def forward(self, x):
        c = self.c
        b, s, _ = x.shape
        hs = c.hidden_size // c.num_attention_heads
        q = rope(self.q_proj(x).view(b, s, c.num_attention_heads, hs), hs)
        k = rope(self.k_proj(x).view(b, s, c.num_key_value_heads, hs), hs)
        v = self.v_proj(x).view(b, s, c.num_key_value_heads, hs)
        rep = c.num_attention_heads // c.num_key_value_heads
        k, v = k.repeat_interleave(rep, dim=2), v.repeat_interleave(rep, dim=2)
        att = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(hs)
        att = att.masked_fill(~torch.ones(s, s, dtype=torch.bool).tril(), float("-inf")).softmax(-1)
        return self.o_proj(torch.einsum("bhqk,bkhd->bqhd", att, v).reshape(b, s, -1))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(c.hidden_size), RMSNorm(c.hidden_size)
        self.self_attn, self.mlp = Attention(c), MLP(c)

    def forward(self, x):
        x = x + self.self_attn(self.input_layernorm(x))
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama2c(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.model.layers = nn.ModuleList(Block(c) for _ in range(c.num_hidden_layers))
        self.model.norm = RMSNorm(c.hidden_size)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)

    def forward(self, ids):
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x)
        return self.lm_head(self.model.norm(x))


def load_checkpoint(path: str) -> Llama2c:
    with open(path, "rb") as f:
        dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", f.read(28))
        data = np.frombuffer(f.read(), dtype="<f4")
    shared = vocab > 0
    vocab = abs(vocab)
    hs = dim // heads
    c = SimpleNamespace(_name_or_path=os.path.basename(path), model_type="llama", hidden_size=dim,
                        intermediate_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                        num_key_value_heads=kv_heads, vocab_size=vocab, head_dim=hs, max_position_embeddings=seq_len)
    model = Llama2c(c)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        out = torch.from_numpy(data[pos : pos + n].copy()).view(*shape)
        pos += n
        return out

    kv = kv_heads * hs
    with torch.no_grad():
        model.model.embed_tokens.weight.copy_(take(vocab, dim))
        L = model.model.layers
        for name, shape in [("rms_att", (dim,)), ("wq", (dim, dim)), ("wk", (kv, dim)), ("wv", (kv, dim)),
                            ("wo", (dim, dim)), ("rms_ffn", (dim,)), ("w1", (hidden, dim)), ("w2", (dim, hidden)),
                            ("w3", (hidden, dim))]:
            w = take(layers, *shape)
            for i in range(layers):
                target = {"rms_att": L[i].input_layernorm.weight, "wq": L[i].self_attn.q_proj.weight,
                          "wk": L[i].self_attn.k_proj.weight, "wv": L[i].self_attn.v_proj.weight,
                          "wo": L[i].self_attn.o_proj.weight, "rms_ffn": L[i].post_attention_layernorm.weight,
                          "w1": L[i].mlp.gate_proj.weight, "w2": L[i].mlp.down_proj.weight,
                          "w3": L[i].mlp.up_proj.weight}[name]
                target.copy_(w[i])
        model.model.norm.weight.copy_(take(dim))
        take(seq_len, hs // 2)
        take(seq_len, hs // 2)
        model.lm_head.weight.copy_(model.model.embed_tokens.weight if shared else take(vocab, dim))
    return model.eval()


class Tokenizer:
    """llama2.c's BPE encoder over a tokenizer.bin (scores + pieces; ids 3..258 = bytes)."""

    def __init__(self, path: str, vocab_size: int):
        self.pieces, self.scores = [], []
        with open(path, "rb") as f:
            struct.unpack("<i", f.read(4))
            for _ in range(vocab_size):
                score, n = struct.unpack("<fi", f.read(8))
                self.scores.append(score)
                self.pieces.append(f.read(n))
        self.lookup = {p: i for i, p in enumerate(self.pieces)}

    def encode_story(self, text: str) -> list[int]:
        ids = [self.lookup[b" "]] if text else []
        for ch in text:
            b = ch.encode("utf-8")
            ids.extend([self.lookup[b]] if b in self.lookup else [byte + 3 for byte in b])
        while True:
            best, best_i = -1e10, -1
            for i in range(len(ids) - 1):
                j = self.lookup.get(self.pieces[ids[i]] + self.pieces[ids[i + 1]])
                if j is not None and self.scores[j] > best:
                    best, best_i = self.scores[j], i
            if best_i < 0:
                return [BOS] + ids
            merged = self.lookup[self.pieces[ids[best_i]] + self.pieces[ids[best_i + 1]]]
            ids[best_i : best_i + 2] = [merged]

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for story in text.split("<|endoftext|>"):
            story = story.strip("\n")
            if story:
                out.extend(self.encode_story(story))
        return out

    def decode_piece(self, prev: int, tok: int) -> bytes:
        piece = self.pieces[tok]
        if prev == BOS and piece.startswith(b" "):
            piece = piece[1:]
        if piece.startswith(b"<0x") and piece.endswith(b">") and len(piece) == 6:
            return bytes([int(piece[3:5], 16)])
        return piece


def build():
    ckpt = os.environ.get("LLAMA2C_CHECKPOINT", os.path.join(SHARED, "models", "stories260K.bin"))
    tok = os.environ.get("LLAMA2C_TOKENIZER", os.path.join(SHARED, "models", "tok512.bin"))
    model = load_checkpoint(ckpt)
    return model, Tokenizer(tok, model.config.vocab_size).encode


def selftest() -> int:
    model, _ = build()
    tok = Tokenizer(os.environ.get("LLAMA2C_TOKENIZER", os.path.join(SHARED, "models", "tok512.bin")),
                    model.config.vocab_size)
    ids = [BOS]
    with torch.no_grad():
        for _ in range(256):
            nxt = int(model(torch.tensor([ids]))[0, -1].argmax())
            ids.append(nxt)
    text = b"".join(tok.decode_piece(a, b) for a, b in zip(ids[:-1], ids[1:])).decode("utf-8", "replace")
    golden = open(os.path.join(SHARED, "data", "stories260K_greedy_from_bos_256.txt"), encoding="utf-8").read()
    ok = text.strip() == golden.strip()
    print("greedy decode matches the golden text" if ok else f"MISMATCH:\n{text}\n---\n{golden}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(selftest() if sys.argv[1:] == ["selftest"] else 0)
