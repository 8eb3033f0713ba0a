#!/usr/bin/env python3
"""Export an nmsim trace bundle (format "nmsim-trace", version 1) from a real PyTorch run of a
causal LM, with N:M activation pruning applied during the run.

For each configuration (dense, and every pattern x criterion x mitigation asked for) the
exporter runs the model over the text in windows of --seq-len tokens. Forward pre-hooks on the
linear projections (q, k, v, o, gate, up, down) prune each consumer's input independently with
nmsim's semantics (nm_prune.py), record for the first --trace-tokens tokens the pre-pruning
input of every site and the mask each consumer applied, and the run's perplexity is measured.
The bundle is written into a temporary folder beside --out and renamed into place at the end.

    python torch_export.py --model meta-llama/Llama-3.2-1B --text wiki.txt \
        --patterns 2:4,8:16 --criteria magnitude --mitigations none,var --out traces/llama1b

Function API for your own model object: export_bundle(model, input_ids, out_dir, ...).
Only torch and numpy are required; transformers is imported only for a Hugging Face id or folder.
See README.md beside this file.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nm_prune import (  # noqa: E402
    CRITERIA,
    MITIGATIONS,
    WEIGHT_CRITERIA,
    InputNormAccumulator,
    Pattern,
    PatternError,
    amber_column_norms,
    amber_factors_from_norms,
    calibrate_static_shift,
    column_norms,
    lower_median,
    parse_names,
    parse_pattern,
    prune,
    prune_weight,
)
from safetensors_writer import write_safetensors  # noqa: E402

EXPORTER_VERSION = "0.1.0"
CONSUMERS = ("q", "k", "v", "o", "gate", "up", "down")
# What a run prunes: the linear inputs during the run (nmsim's subject) or, for comparison, the
# linear weights once before it (issue 14; manifest runs[].config.operand, absent = activation).
OPERANDS = ("activation", "weight")

# Module-name patterns (regular expressions searched in the module's dotted name; group 1 is
# the layer index). They cover Hugging Face Llama, Qwen2, Mistral and Gemma 1/2/3
# ("model.layers.3.self_attn.q_proj", "model.language_model.layers.3.mlp.down_proj").
DEFAULT_CONSUMER_PATTERNS = {
    "q": r"(?:^|\.)layers\.(\d+)\.self_attn\.q_proj$",
    "k": r"(?:^|\.)layers\.(\d+)\.self_attn\.k_proj$",
    "v": r"(?:^|\.)layers\.(\d+)\.self_attn\.v_proj$",
    "o": r"(?:^|\.)layers\.(\d+)\.self_attn\.o_proj$",
    "gate": r"(?:^|\.)layers\.(\d+)\.mlp\.gate_proj$",
    "up": r"(?:^|\.)layers\.(\d+)\.mlp\.up_proj$",
    "down": r"(?:^|\.)layers\.(\d+)\.mlp\.down_proj$",
}

# nmsim's canonical site of each consumer (traces/README.md): consumers of one site share the
# same input vector.
SITE_OF_CONSUMER = {
    "q": "self_attn.qkv",
    "k": "self_attn.qkv",
    "v": "self_attn.qkv",
    "o": "self_attn.o_proj",
    "gate": "mlp.gate_up",
    "up": "mlp.gate_up",
    "down": "mlp.down_proj",
}
SITE_ORDER = ("self_attn.qkv", "self_attn.o_proj", "mlp.gate_up", "mlp.down_proj")
TRACE_DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32}
MANIFEST_DTYPE = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32", torch.uint8: "U8"}


class ExportError(Exception):
    """A problem with the user's model, files or options: printed as a diagnostic, no traceback."""

    def __init__(self, code: str, message: str, hint: str = "", usage: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.usage = usage

    def format(self) -> str:
        text = f"✖ exporter/{self.code}\n  {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass
class ConsumerModule:
    name: str  # module path in the user's model
    consumer: str
    layer: int
    module: torch.nn.Module

    @property
    def site(self) -> str:
        return f"layers.{self.layer}.{SITE_OF_CONSUMER[self.consumer]}.input"

    @property
    def stats_prefix(self) -> str:
        """Key prefix of this consumer's weight statistics, e.g. "layers.0.self_attn.q_proj"."""
        part = "self_attn" if self.consumer in ("q", "k", "v", "o") else "mlp"
        return f"layers.{self.layer}.{part}.{self.consumer}_proj"


@dataclass(frozen=True)
class RunConfig:
    pattern: Pattern
    criterion: str = "magnitude"
    mitigation: str = "none"
    operand: str = "activation"

    @property
    def dense(self) -> bool:
        return self.pattern.kind == "dense"

    @property
    def run_id(self) -> str:
        if self.dense:
            return "dense"
        pat = f"{self.pattern.n}of{self.pattern.m}" if self.pattern.kind == "nm" else self.pattern.kind
        if self.operand == "weight":
            return f"weight-{pat}-{self.criterion}"
        return f"{pat}-{self.criterion}-{self.mitigation}"


def find_consumers(model: torch.nn.Module, patterns: dict[str, str] | None = None) -> list[ConsumerModule]:
    """Matches the model's linear modules to consumers; every match must be a 2-D-weight linear."""
    pats = dict(DEFAULT_CONSUMER_PATTERNS)
    pats.update(patterns or {})
    compiled = {c: re.compile(p) for c, p in pats.items()}
    found: list[ConsumerModule] = []
    for name, module in model.named_modules():
        for consumer, rx in compiled.items():
            match = rx.search(name)
            if not match:
                continue
            weight = getattr(module, "weight", None)
            if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
                raise ExportError(
                    "not-a-linear",
                    f'module "{name}" matches the {consumer} pattern but has no 2-D weight',
                    "pass --consumer-pattern so that it matches only linear projections",
                    usage=True,
                )
            try:
                layer = int(match.group(1))
            except (IndexError, TypeError, ValueError):
                raise ExportError(
                    "bad-consumer-pattern",
                    f"the {consumer} pattern {pats[consumer]!r} must capture the layer index as group 1",
                    r"write it like 'blocks\.(\d+)\.attn\.wq$'",
                    usage=True,
                ) from None
            found.append(ConsumerModule(name, consumer, layer, module))
            break
    if not found:
        linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)][:8]
        raise ExportError(
            "no-consumers",
            "no module matches the consumer name patterns (q/k/v/o/gate/up/down projections)",
            f"linear modules in this model include {linears}; pass --consumer-pattern CONSUMER=REGEX "
            "(group 1 = layer index) for each consumer",
            usage=True,
        )
    seen: dict[tuple[int, str], str] = {}
    for c in found:
        key = (c.layer, c.consumer)
        if key in seen:
            raise ExportError(
                "duplicate-consumer",
                f'layer {c.layer} has two {c.consumer} modules: "{seen[key]}" and "{c.name}"',
                "tighten --consumer-pattern so that each consumer matches one module per layer",
                usage=True,
            )
        seen[key] = c.name
    by_site: dict[str, int] = {}
    for c in found:
        k = c.module.weight.shape[1]
        if by_site.setdefault(c.site, k) != k:
            raise ExportError(
                "site-width-mismatch",
                f"consumers of {c.site} take inputs of different widths ({by_site[c.site]} and {k})",
                "each site's consumers must read the same input vector; check --consumer-pattern",
            )
    order = {s: i for i, s in enumerate(SITE_ORDER)}
    found.sort(key=lambda c: (c.layer, order[SITE_OF_CONSUMER[c.consumer]], CONSUMERS.index(c.consumer)))
    return found


def model_info(model: torch.nn.Module, consumers: list[ConsumerModule], override: dict | None = None) -> dict:
    """The manifest's model section, from a Hugging Face style `config` where present."""
    cfg = getattr(model, "config", None)
    if cfg is not None and getattr(cfg, "hidden_size", None) is None and hasattr(cfg, "text_config"):
        cfg = cfg.text_config  # multimodal wrappers (Gemma 3)

    def get(*names):
        for n in names:
            v = getattr(cfg, n, None) if cfg is not None else None
            if v is not None:
                return v
        return None

    by_consumer = {c.consumer: c.module.weight.shape for c in consumers}
    layers = sorted({c.layer for c in consumers})
    info = {
        "name": get("_name_or_path", "name_or_path") or type(model).__name__,
        "family": get("model_type") or "unknown",
        "hidden_size": get("hidden_size") or (by_consumer["q"][1] if "q" in by_consumer else None),
        "intermediate_size": get("intermediate_size")
        or (by_consumer["down"][1] if "down" in by_consumer else None),
        "num_layers": get("num_hidden_layers", "num_layers") or (layers[-1] + 1 if layers else None),
        "num_heads": get("num_attention_heads", "num_heads"),
        "num_kv_heads": get("num_key_value_heads", "num_kv_heads") or get("num_attention_heads", "num_heads"),
        "vocab_size": get("vocab_size"),
        "head_dim": get("head_dim"),
        "max_seq_len": get("max_position_embeddings", "max_seq_len"),
    }
    if info["head_dim"] is None and info["hidden_size"] and info["num_heads"]:
        info["head_dim"] = info["hidden_size"] // info["num_heads"]
    info.update(override or {})
    info["name"] = str(info["name"]) or "model"
    missing = [k for k in ("hidden_size", "intermediate_size", "num_layers", "num_heads", "num_kv_heads", "vocab_size")
               if not isinstance(info.get(k), int) or info[k] <= 0]
    if missing:
        raise ExportError(
            "model-info-missing",
            f"cannot tell the model's {', '.join(missing)} from model.config",
            "pass model_info={...} to export_bundle() (or give the model a Hugging Face style config)",
        )
    return {k: v for k, v in info.items() if v is not None}


def build_configs(patterns, criteria, mitigations, include_dense: bool = True,
                  operand: str = "activation") -> list[RunConfig]:
    pats = [parse_pattern(p) if isinstance(p, str) else p for p in patterns]
    configs = [RunConfig(Pattern("dense"))] if include_dense or any(p.kind == "dense" for p in pats) else []
    for p in pats:
        if p.kind == "dense":
            continue
        for c in criteria:
            for m in mitigations:
                cfg = RunConfig(p, c, m, operand)
                if cfg not in configs:
                    configs.append(cfg)
    return configs


def _logits(model, ids: torch.Tensor, hf: bool) -> torch.Tensor:
    out = model(input_ids=ids, use_cache=False) if hf else model(ids)
    if hasattr(out, "logits"):
        return out.logits
    if isinstance(out, (tuple, list)):
        return out[0]
    return out


@dataclass
class _RunState:
    """What the hooks of one run read and write; the driver advances window/position."""

    config: RunConfig
    trace_tokens: int
    trace_dtype: torch.dtype
    record_masks: bool
    amber: dict = field(default_factory=dict)  # consumer name -> factors
    static_shift: dict = field(default_factory=dict)  # site -> eta
    window: int = -1
    position: int = 0  # index of the window's first token in the evaluated stream
    site_input: dict = field(default_factory=dict)  # site -> (window, rows) for the equality check
    prune_cache: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)  # site -> recorded [T, K]
    masks: dict = field(default_factory=dict)  # (site, consumer) -> packed uint8 [T, ceil(K/8)]
    err_sq: dict = field(default_factory=dict)
    ref_sq: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)
    inexact: int = 0
    calib: dict | None = None  # spts calibration: site -> [sum of medians, tokens]

    def hook(self, c: ConsumerModule):
        def pre_hook(module, args):
            if not args or not isinstance(args[0], torch.Tensor):
                return None
            x = args[0]
            k = x.shape[-1]
            rows = x.reshape(-1, k)
            site = c.site
            prev = self.site_input.get(site)
            first = prev is None or prev[0] != self.window
            if first:
                self.site_input[site] = (self.window, rows)
            elif not torch.equal(prev[1], rows):
                raise ExportError(
                    "site-input-mismatch",
                    f'"{c.name}" ({c.consumer}) sees a different input from the other consumers of {site}',
                    "nmsim sites assume q/k/v (and gate/up) read one vector; adjust --consumer-pattern",
                )
            if self.calib is not None:
                if first:
                    acc = self.calib.setdefault(site, [0.0, 0])
                    acc[0] += float(lower_median(rows.float()).double().sum())
                    acc[1] += rows.shape[0]
                return None
            n_rec = max(0, min(self.trace_tokens - self.position, rows.shape[0]))
            if first and n_rec > 0:
                buf = self.inputs.get(site)
                if buf is None:
                    buf = self.inputs[site] = torch.empty((self.trace_tokens, k), dtype=self.trace_dtype)
                rec = rows[:n_rec].detach().to(self.trace_dtype)
                if self.trace_dtype != rows.dtype:
                    self.inexact += int((rec.to(rows.dtype) != rows[:n_rec]).sum())
                buf[self.position : self.position + n_rec] = rec.cpu()
            if self.config.dense:
                return None
            cfg = self.config
            key = (site, c.consumer) if cfg.criterion == "amber" else site
            result = self.prune_cache.get(key)
            if result is None:
                x32 = rows.float()
                result = prune(x32, cfg.pattern, cfg.criterion, cfg.mitigation,
                               amber_factors=self.amber.get(c.name), static_shift=self.static_shift.get(site))
                self.prune_cache[key] = result
            out, keep = result
            if n_rec > 0:
                mk = (site, c.consumer)
                if self.record_masks:
                    mbuf = self.masks.get(mk)
                    if mbuf is None:
                        mbuf = self.masks[mk] = np.zeros((self.trace_tokens, (k + 7) // 8), dtype=np.uint8)
                    mbuf[self.position : self.position + n_rec] = np.packbits(
                        keep[:n_rec].cpu().numpy(), axis=1, bitorder="little")
                x64 = rows[:n_rec].double()
                self.err_sq[mk] = self.err_sq.get(mk, 0.0) + float((out[:n_rec].double() - x64).pow(2).sum())
                self.ref_sq[mk] = self.ref_sq.get(mk, 0.0) + float(x64.pow(2).sum())
                self.kept[mk] = self.kept.get(mk, 0) + int(keep[:n_rec].sum())
            return (out.to(x.dtype).view(x.shape),) + tuple(args[1:])

        return pre_hook


def _run_windows(model, windows, state: _RunState, consumers, hf: bool, score: bool):
    """One pass over the windows with the hooks installed; returns (sum of NLL, scored tokens)."""
    handles = [c.module.register_forward_pre_hook(state.hook(c)) for c in consumers]
    nll, scored = 0.0, 0
    try:
        position = 0
        for w, ids in enumerate(windows):
            state.window, state.position = w, position
            state.prune_cache = {}
            logits = _logits(model, ids.unsqueeze(0), hf)
            if score:
                pred = logits[0, :-1].float()
                nll += float(torch.nn.functional.cross_entropy(pred, ids[1:], reduction="sum"))
                scored += ids.numel() - 1
            position += ids.numel()
    finally:
        for h in handles:
            h.remove()
        state.site_input = {}
        state.prune_cache = {}
    return nll, scored


def _calibrate_input_norms(model, windows, consumers, hf: bool) -> tuple[dict[str, torch.Tensor], int]:
    """wanda: ||X_j||_2 of every site's input over every row of a dense pass over `windows`
    (hooks on the first consumer of each site; its co-consumers read the same vector)."""
    acc: dict[str, InputNormAccumulator] = {}
    handles = []
    for c in consumers:
        if c.site in acc:
            continue
        acc[c.site] = InputNormAccumulator()

        def hook(module, args, a=acc[c.site]):
            if args and isinstance(args[0], torch.Tensor):
                a.add(args[0])

        handles.append(c.module.register_forward_pre_hook(hook))
    try:
        for ids in windows:
            _logits(model, ids.unsqueeze(0), hf)
    finally:
        for h in handles:
            h.remove()
    missing = [site for site, a in acc.items() if a.rows == 0]
    if missing:
        raise ExportError("site-not-reached", f"no calibration pass reached {missing[0]}",
                          "every matched module must run in the model's forward")
    rows = max(a.rows for a in acc.values())
    return {site: a.norms() for site, a in acc.items()}, rows


def _prune_weights(consumers, cfg: "RunConfig", dense_weights, input_norms) -> dict[str, torch.Tensor]:
    """Replaces every consumer's weight by its pruned dense copy (nm_prune.prune_weight, along
    the input dimension); returns the keep masks by module name."""
    keep_by_name = {}
    for c in consumers:
        w = c.module.weight
        dense = dense_weights[c.name].to(device=w.device)
        norms = input_norms.get(c.site) if cfg.criterion == "wanda" else None
        pruned, keep = prune_weight(dense, cfg.pattern, cfg.criterion, norms)
        w.data.copy_(pruned)
        keep_by_name[c.name] = keep
    return keep_by_name


def _restore_weights(consumers, dense_weights) -> None:
    for c in consumers:
        c.module.weight.data.copy_(dense_weights[c.name].to(device=c.module.weight.device))


def _add_weight_run_tensors(entry, tensors, file, site, site_consumers, cfg, weight_keep, input_norms, masks) -> None:
    """A weight run's site: each consumer's weight mask (U8 [out, ceil(in/8)], LSB first along
    the input dimension, like activation masks) and, for wanda, the input norms it scored with."""
    if masks:
        entry["weight_masks"] = []
        for c in site_consumers:
            key = f"{c.stats_prefix}.weight_mask"
            tensors[key] = torch.from_numpy(np.packbits(weight_keep[c.name].cpu().numpy(), axis=1, bitorder="little"))
            entry["weight_masks"].append({"consumer": c.consumer, "tensor": _ref(file, key, tensors[key], torch.uint8)})
    if cfg.criterion == "wanda":
        key = f"{site}.input_norms"
        tensors[key] = input_norms[site].cpu()
        entry["input_norms"] = _ref(file, key, tensors[key], torch.float32)


def _weight_report(site: str, c: "ConsumerModule", keep: torch.Tensor, dense: torch.Tensor) -> dict:
    """||W~ - W||_2 / ||W||_2 (Frobenius, float64) and the kept fraction of one pruned weight."""
    w = dense.double()
    ref = float(w.pow(2).sum())
    err = float(w.pow(2)[~keep.cpu()].sum())
    return {"site": site, "consumer": c.consumer, "rel_err_l2": math.sqrt(err / ref) if ref > 0 else 0.0,
            "kept_fraction": float(keep.double().mean())}


def _weight_mask_digest(consumers, weight_keep) -> str:
    """sha256 of every weight mask, consumers in bundle order (layer, then q k v o gate up down),
    each np.packbits(keep [out, in], axis=1, bitorder="little"): the digest
    test/fixtures/capture/weight_prune_ref.py prints, so the two can be compared."""
    h = hashlib.sha256()
    for c in consumers:
        h.update(np.packbits(weight_keep[c.name].cpu().numpy(), axis=1, bitorder="little").tobytes())
    return h.hexdigest()


def _windows(ids: torch.Tensor, seq_len: int) -> list[torch.Tensor]:
    return [ids[i : i + seq_len] for i in range(0, ids.numel(), seq_len) if ids[i : i + seq_len].numel() >= 2]


def _new_bundle_dir(out_dir: str, overwrite: bool) -> str:
    out = os.path.abspath(out_dir)
    if os.path.exists(out) and not overwrite:
        raise ExportError("output-exists", f"{out_dir} already exists", "pass --overwrite (overwrite=True) to replace it",
                          usage=True)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.tmp-", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the bundle is an ordinary folder
    return tmp


def _commit_bundle(tmp: str, out_dir: str) -> None:
    out = os.path.abspath(out_dir)
    old = None
    if os.path.exists(out):
        old = f"{out}.old-{os.getpid()}"
        os.rename(out, old)
    os.rename(tmp, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _is_leaf(v) -> bool:
    if isinstance(v, dict):
        return all(not isinstance(x, (dict, list)) or (isinstance(x, list) and all(not isinstance(y, (dict, list)) for y in x))
                   for x in v.values())
    if isinstance(v, list):
        return all(not isinstance(x, (dict, list)) for x in v)
    return True


def dumps_manifest(obj, indent: int = 0) -> str:
    """JSON with nested objects indented and leaf objects (tensor refs, configs, metrics) on one
    line: readable, and about half the size of indent=2 for a many-run bundle."""
    if _is_leaf(obj):
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, list):
        return "[\n" + ",\n".join(inner + dumps_manifest(v, indent + 1) for v in obj) + "\n" + pad + "]"
    items = (f"{inner}{json.dumps(k)}: {dumps_manifest(v, indent + 1)}" for k, v in obj.items())
    return "{\n" + ",\n".join(items) + "\n" + pad + "}"


def _ref(file: str, key: str, t: torch.Tensor | tuple, dtype) -> dict:
    shape = list(t.shape) if isinstance(t, torch.Tensor) else list(t)
    return {"file": file, "key": key, "shape": shape, "dtype": MANIFEST_DTYPE[dtype]}


def export_bundle(
    model: torch.nn.Module,
    input_ids,
    out_dir: str,
    *,
    patterns=("2:4", "8:16"),
    criteria=("magnitude",),
    mitigations=("none",),
    include_dense: bool = True,
    seq_len: int = 512,
    trace_tokens: int = 256,
    trace_dtype: str = "auto",
    record_masks: bool = True,
    record_weights: bool = False,
    calib_ids=None,
    calib_tokens: int = 256,
    consumer_patterns: dict[str, str] | None = None,
    model_info_override: dict | None = None,
    source: dict | None = None,
    dataset: str = "text",
    overwrite: bool = False,
    log=None,
    operand: str = "activation",
) -> dict:
    """Runs every configuration on `input_ids` (1-D token ids) and writes the bundle to out_dir.

    Returns the manifest written. `model` is any torch module whose forward takes token ids
    [1, seq] and returns logits [1, seq, vocab] (or an object with .logits, or a tuple).
    spts needs calibration tokens: `calib_ids`, or else the first `calib_tokens` of input_ids
    (then excluded from every run's evaluation so the runs stay comparable).

    operand="weight" prunes the seven linear weights of every block once before each run
    instead of the activations during it (criteria magnitude or wanda, no mitigation); wanda's
    input norms come from a dense pass over the calibration tokens, as spts's shifts do.
    """
    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    if operand not in OPERANDS:
        raise ExportError("bad-option", f'operand "{operand}" is not one of {", ".join(OPERANDS)}', usage=True)
    weight_operand = operand == "weight"
    try:
        pats = [parse_pattern(p) if isinstance(p, str) else p for p in patterns]
        crits = parse_names(",".join(criteria), WEIGHT_CRITERIA if weight_operand else CRITERIA, "criterion")
        mits = parse_names(",".join(mitigations), MITIGATIONS, "mitigation")
    except PatternError as e:
        if "affine" in str(e):
            hint = "nmsim's affine correction acts on layer outputs; fit it with nmsim from a dense trace"
        elif weight_operand and "criterion" in str(e):
            hint = f"weight pruning takes the criteria {', '.join(WEIGHT_CRITERIA)}"
        elif str(e).startswith('"wanda"'):
            hint = "wanda scores weights: add --operand weight"
        else:
            hint = "see --help for the accepted names"
        raise ExportError("bad-option", str(e), hint, usage=True) from None
    if weight_operand and mits != ["none"]:
        raise ExportError("bad-option", f"mitigations ({', '.join(mits)}) act on pruned activations; a weight-pruned "
                          "run has none", "drop --mitigations (or pass none) with --operand weight", usage=True)
    if trace_dtype not in ("auto", *TRACE_DTYPES):
        raise ExportError("bad-option", f'trace dtype "{trace_dtype}" is not one of auto, f16, bf16, f32', usage=True)
    if seq_len < 2 or trace_tokens < 1:
        raise ExportError("bad-option", "seq_len must be at least 2 and trace_tokens at least 1", usage=True)
    configs = build_configs(pats, crits, mits, include_dense, operand)
    if not configs:
        raise ExportError("bad-option", "no configuration to run", "give --patterns or keep the dense run", usage=True)
    consumers = find_consumers(model, consumer_patterns)
    info = model_info(model, consumers, model_info_override)
    ids = torch.as_tensor(input_ids, dtype=torch.long).flatten()
    notes: list[str] = []
    warnings: list[str] = []
    need_calib = any(c.mitigation == "spts" for c in configs if not c.dense)
    need_norms = any(c.criterion == "wanda" for c in configs if not c.dense)
    if (need_calib or need_norms) and calib_ids is None:
        calib_ids = ids[:calib_tokens]
        ids = ids[calib_tokens:]
        notes.append(f"{'wanda' if need_norms else 'spts'} calibrated on the first {calib_ids.numel()} tokens of "
                     f"{dataset}; every run is evaluated on the tokens after them")
    if calib_ids is not None:
        calib_ids = torch.as_tensor(calib_ids, dtype=torch.long).flatten()
    windows = _windows(ids, seq_len)
    if not windows:
        raise ExportError("text-too-short", f"{dataset} leaves fewer than 2 tokens to evaluate",
                          "give a longer text (or fewer --calib-tokens)")
    total_tokens = sum(w.numel() for w in windows)
    recorded = min(trace_tokens, total_tokens)
    param = next(model.parameters())
    device = param.device
    windows = [w.to(device) for w in windows]
    if trace_dtype == "auto":
        tdtype = param.dtype if param.dtype in (torch.float16, torch.bfloat16) else torch.float16
    else:
        tdtype = TRACE_DTYPES[trace_dtype]
    has_clact = any(c.criterion == "clact" for c in configs if not c.dense)
    if has_clact and recorded % seq_len != 0 and recorded != total_tokens:
        warnings.append(f"clact takes channel norms over each {seq_len}-token window; the {recorded} recorded tokens "
                        "end inside a window, so nmsim can reproduce the last window's clact masks only approximately")
    hf = "transformers" in type(model).__module__
    tmp = _new_bundle_dir(out_dir, overwrite)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            # Static per-consumer weight statistics, shared by every run (weights.safetensors).
            weight_tensors: dict[str, torch.Tensor] = {}
            weight_stats: dict[str, list] = {}
            amber: dict[str, torch.Tensor] = {}
            for c in consumers:
                w = c.module.weight
                amber_norms = amber_column_norms(w).cpu()
                amber[c.name] = amber_factors_from_norms(amber_norms).to(device)
                norms = column_norms(w).cpu()
                prefix = c.stats_prefix
                weight_tensors[f"{prefix}.column_norms"] = norms
                weight_tensors[f"{prefix}.amber_column_norms"] = amber_norms
                stats = {
                    "consumer": c.consumer,
                    "out_features": int(w.shape[0]),
                    "column_norms": _ref("weights.safetensors", f"{prefix}.column_norms", norms, torch.float32),
                    "amber_column_norms": _ref("weights.safetensors", f"{prefix}.amber_column_norms", amber_norms,
                                               torch.float32),
                }
                if record_weights:
                    wt = w.detach().cpu()
                    if wt.dtype not in MANIFEST_DTYPE or wt.dtype == torch.uint8:
                        wt = wt.float()
                    weight_tensors[f"{prefix}.weight"] = wt
                    stats["weight"] = _ref("weights.safetensors", f"{prefix}.weight", wt, wt.dtype)
                weight_stats.setdefault(c.site, []).append(stats)
            write_safetensors(os.path.join(tmp, "weights.safetensors"), weight_tensors, {"producer": "nmsim torch_export.py"})

            static_shift: dict[str, float] = {}
            if need_calib:
                t0 = time.time()
                cstate = _RunState(RunConfig(Pattern("dense")), 0, tdtype, False, calib={})
                calib_windows = [w.to(device) for w in
                                 _windows(torch.as_tensor(calib_ids, dtype=torch.long).flatten(), seq_len)]
                if not calib_windows:
                    raise ExportError("text-too-short", "spts needs at least 2 calibration tokens",
                                      "raise --calib-tokens or give --calib-text")
                _run_windows(model, calib_windows, cstate, consumers, hf, score=False)
                static_shift = {s: calibrate_static_shift(a[0], a[1]) for s, a in cstate.calib.items()}
                say(f"spts: calibrated {len(static_shift)} static shifts on {calib_ids.numel()} tokens "
                    f"({time.time() - t0:.1f} s)")
            input_norms: dict[str, torch.Tensor] = {}
            dense_weights: dict[str, torch.Tensor] = {}
            if weight_operand:
                # the dense weights, kept on the CPU: each weight run prunes a copy and restores them
                dense_weights = {c.name: c.module.weight.detach().cpu().clone() for c in consumers}
            if need_norms:
                t0 = time.time()
                calib_windows = [w.to(device) for w in _windows(calib_ids, seq_len)]
                if not calib_windows:
                    raise ExportError("text-too-short", "wanda needs at least 2 calibration tokens",
                                      "raise --calib-tokens or give --calib-text")
                input_norms, calib_rows = _calibrate_input_norms(model, calib_windows, consumers, hf)
                notes.append(f"wanda input norms ||X_j||_2 over {calib_rows} rows of a dense pass over the "
                             f"calibration tokens (windows of {seq_len})")
                say(f"wanda: input norms of {len(input_norms)} sites over {calib_rows} calibration rows "
                    f"({time.time() - t0:.1f} s)")

            runs, report_runs, inexact_total = [], [], 0
            sites_in_order = list(dict.fromkeys(c.site for c in consumers))
            for i, cfg in enumerate(configs):
                t0 = time.time()
                weight_run = cfg.operand == "weight" and not cfg.dense
                # a weight run's hooks only record: its activations are not pruned
                hook_cfg = RunConfig(Pattern("dense")) if weight_run else cfg
                state = _RunState(hook_cfg, recorded, tdtype, record_masks and not hook_cfg.dense, amber=amber,
                                  static_shift=static_shift)
                weight_keep: dict[str, torch.Tensor] = {}
                try:
                    if weight_run:
                        weight_keep = _prune_weights(consumers, cfg, dense_weights, input_norms)
                    nll, scored = _run_windows(model, windows, state, consumers, hf, score=True)
                finally:
                    if weight_run:
                        _restore_weights(consumers, dense_weights)
                ppl = math.exp(nll / scored)
                inexact_total += state.inexact
                file = f"run-{cfg.run_id}.safetensors"
                tensors: dict[str, torch.Tensor] = {}
                sites, site_report = [], []
                for site in sites_in_order:
                    if site not in state.inputs:
                        raise ExportError("site-not-reached", f"no forward pass reached {site}",
                                          "every matched module must run in the model's forward")
                    buf = state.inputs[site]
                    tensors[site] = buf
                    site_consumers = [c for c in consumers if c.site == site]
                    entry = {
                        "name": site,
                        "layer": site_consumers[0].layer,
                        "consumers": [c.consumer for c in site_consumers],
                        "tensor": _ref(file, site, buf, tdtype),
                    }
                    if state.record_masks:
                        entry["masks"] = []
                        for c in site_consumers:
                            key = f"{site}.mask.{c.consumer}"
                            tensors[key] = torch.from_numpy(state.masks[(site, c.consumer)])
                            entry["masks"].append({"consumer": c.consumer,
                                                   "tensor": _ref(file, key, tensors[key], torch.uint8)})
                    if weight_run:
                        _add_weight_run_tensors(entry, tensors, file, site, site_consumers, cfg, weight_keep,
                                                input_norms, record_masks)
                    entry["weight_stats"] = weight_stats[site]
                    if cfg.mitigation == "spts" and not cfg.dense:
                        entry["static_shift"] = static_shift[site]
                    sites.append(entry)
                    if weight_run:
                        site_report += [_weight_report(site, c, weight_keep[c.name], dense_weights[c.name])
                                        for c in site_consumers]
                    elif not cfg.dense:
                        for c in site_consumers:
                            mk = (site, c.consumer)
                            ref = state.ref_sq.get(mk, 0.0)
                            site_report.append({
                                "site": site, "consumer": c.consumer,
                                "rel_err_l2": math.sqrt(state.err_sq[mk] / ref) if ref > 0 else 0.0,
                                "kept_fraction": state.kept[mk] / (recorded * buf.shape[1]),
                            })
                write_safetensors(os.path.join(tmp, file), tensors, {"producer": "nmsim torch_export.py",
                                                                     "run": cfg.run_id})
                config = {"pattern": str(cfg.pattern)}
                if not cfg.dense:
                    config.update(criterion=cfg.criterion, mitigation=cfg.mitigation)
                    if cfg.criterion == "clact":
                        config["clact_batch_tokens"] = seq_len
                    if weight_run:
                        config["operand"] = "weight"
                metrics = []
                if math.isfinite(ppl):
                    metrics.append({"metric": "perplexity", "dataset": dataset, "tokens": scored, "value": ppl,
                                    "detail": f"non-overlapping windows of {seq_len} tokens"})
                else:
                    warnings.append(f"run {cfg.run_id}: perplexity is not finite (NaN/Inf logits); left out")
                runs.append({"id": cfg.run_id, "config": config, "metrics": metrics, "tokens": recorded,
                             "sites": sites})
                seconds = time.time() - t0
                report_runs.append({"id": cfg.run_id, "perplexity": ppl if math.isfinite(ppl) else None,
                                    "scored_tokens": scored, "seconds": round(seconds, 3), "sites": site_report})
                if weight_run:
                    report_runs[-1].update(operand="weight",
                                           weight_mask_sha256=_weight_mask_digest(consumers, weight_keep))
                say(f"run {i + 1}/{len(configs)} {cfg.run_id}: perplexity {ppl:.4f} over {scored} tokens "
                    f"({seconds:.1f} s)")
                del state, tensors

            if inexact_total:
                warnings.append(f"{inexact_total} recorded input values were rounded to {MANIFEST_DTYPE[tdtype]} "
                                f"(the model computes in {param.dtype}); nmsim's reproduction of the masks from "
                                "the recorded inputs is then approximate — use --trace-dtype matching the model")
            src = {
                "tool": f"nmsim torch_export.py {EXPORTER_VERSION} (torch {torch.__version__})",
                "checkpoint": info["name"],
                "dataset": dataset,
            }
            src.update(source or {})
            all_notes = notes + warnings + [
                "pruning computed in float32 on each consumer's input (nm_prune.py); rel_err_l2 in "
                "exporter-report.json is ||x~ - x||2 / ||x||2 of that float32 result over the recorded tokens"
                if not weight_operand else
                "weights pruned once per run along their input dimension, scores in float32 (nm_prune.py "
                "prune_weight); activations not pruned; rel_err_l2 in exporter-report.json is "
                "||W~ - W||_F / ||W||_F of each consumer's weight"]
            src["notes"] = "; ".join(([src["notes"]] if src.get("notes") else []) + all_notes)
            manifest = {"format": "nmsim-trace", "version": 1, "model": info, "source": src, "runs": runs}
            with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
                f.write(dumps_manifest(manifest) + "\n")
            report = {"exporter": src["tool"], "trace_dtype": MANIFEST_DTYPE[tdtype], "recorded_tokens": recorded,
                      "seq_len": seq_len, "inexact_recorded_values": inexact_total, "warnings": warnings,
                      "static_shifts": static_shift, "runs": report_runs}
            with open(os.path.join(tmp, "exporter-report.json"), "w", encoding="utf-8") as f:
                json.dump(report, f, indent=2)
                f.write("\n")
        for w in warnings:
            say(f"⚠ {w}")
        _commit_bundle(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        model.train(was_training)
    return manifest


# ---------------------------------------------------------------------------------------------
# Command line


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _load_python_model(spec: str):
    """--model FILE.py:FUNCTION; FUNCTION() returns a model or (model, tokenize)."""
    import importlib.util

    path, _, fn = spec.rpartition(":")
    if not os.path.isfile(path):
        raise ExportError("model-not-found", f"{path} does not exist", "give FILE.py:FUNCTION", usage=True)
    mod_spec = importlib.util.spec_from_file_location("nmsim_user_model", path)
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    if not hasattr(module, fn):
        raise ExportError("model-not-found", f"{path} has no function {fn}()", "give FILE.py:FUNCTION", usage=True)
    made = getattr(module, fn)()
    model, tokenize = (made if isinstance(made, tuple) else (made, None))
    if tokenize is None:
        def tokenize(text: str):  # UTF-8 bytes as token ids
            return list(text.encode("utf-8"))
    return model, tokenize


def _load_hf_model(name: str, dtype: str, device: str):
    try:
        import transformers  # noqa: F401
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise ExportError("no-transformers", f'loading "{name}" needs the transformers package',
                          "pip install transformers (or pass FILE.py:FUNCTION for your own model)") from None
    torch_dtype = {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16,
                   "float16": torch.float16}[dtype]
    tok = AutoTokenizer.from_pretrained(name)
    model = AutoModelForCausalLM.from_pretrained(name, torch_dtype=torch_dtype).to(device)

    def tokenize(text: str):
        return tok(text)["input_ids"]

    return model, tokenize


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="torch_export.py",
        description="Run a causal LM with N:M activation pruning applied at every linear input and write an "
                    "nmsim trace bundle (inputs, masks, weight statistics, perplexity per configuration).",
    )
    p.add_argument("--model", required=True,
                   help="Hugging Face id or folder (needs transformers), or FILE.py:FUNCTION returning a torch "
                        "model or (model, tokenize); without tokenize, UTF-8 bytes are the token ids")
    p.add_argument("--text", required=True, help="UTF-8 text file to evaluate perplexity on and trace")
    p.add_argument("--out", required=True, help="bundle folder to create (written to a temp folder, then renamed)")
    p.add_argument("--patterns", default="2:4,8:16",
                   help='comma-separated N:M patterns, "unstructured" (default: 2:4,8:16; a dense run is always added)')
    p.add_argument("--criteria", default="magnitude",
                   help="comma-separated: magnitude, amber, clact; with --operand weight: magnitude, wanda "
                        "(default: magnitude)")
    p.add_argument("--operand", default="activation", choices=OPERANDS,
                   help="what each run prunes: the linear inputs during the run (default), or the seven linear "
                        "weights of every block once before it, along their input dimension (no mitigations)")
    p.add_argument("--mitigations", default="none",
                   help="comma-separated: none, var, dpts, spts (default: none); every pattern x criterion x "
                        "mitigation is one run")
    p.add_argument("--no-dense", action="store_true", help="skip the dense baseline run")
    p.add_argument("--seq-len", type=int, default=512, help="tokens per forward window (and clact batch), default 512")
    p.add_argument("--max-tokens", type=int, default=0, help="evaluate at most this many tokens of the text (0: all)")
    p.add_argument("--trace-tokens", type=int, default=256,
                   help="tokens recorded per site from the start of the evaluated text (default 256)")
    p.add_argument("--trace-dtype", default="auto", choices=("auto", "f16", "bf16", "f32"),
                   help="dtype of the recorded inputs; auto = the model's dtype when it is f16/bf16, else f16")
    p.add_argument("--no-masks", action="store_true", help="do not record the applied masks")
    p.add_argument("--weights", action="store_true", help="also record every consumer's full weight")
    p.add_argument("--calib-tokens", type=int, default=256,
                   help="spts and wanda: calibrate on the first N tokens of --text (excluded from evaluation), "
                        "or on the first N of --calib-text; default 256")
    p.add_argument("--calib-text", help="spts and wanda: calibrate on this text instead")
    p.add_argument("--consumer-pattern", action="append", default=[], metavar="CONSUMER=REGEX",
                   help=r"override a module-name pattern, group 1 = layer index, e.g. q='blocks\.(\d+)\.attn\.wq$' "
                        "(repeatable; consumers: q, k, v, o, gate, up, down)")
    p.add_argument("--dtype", default="auto", choices=("auto", "float32", "bfloat16", "float16"),
                   help="dtype to load a Hugging Face model in (default: the checkpoint's)")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1 … (default: cuda when available)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    return p.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        overrides = {}
        for item in args.consumer_pattern:
            consumer, sep, rx = item.partition("=")
            if not sep or consumer not in CONSUMERS:
                raise ExportError("bad-option", f'--consumer-pattern "{item}" is not CONSUMER=REGEX',
                                  f"consumers: {', '.join(CONSUMERS)}", usage=True)
            overrides[consumer] = rx
        if not os.path.isfile(args.text):
            raise ExportError("text-not-found", f"--text {args.text} does not exist", "give a UTF-8 text file",
                              usage=True)
        if os.path.exists(args.out) and not args.overwrite:
            raise ExportError("output-exists", f"{args.out} already exists", "pass --overwrite to replace it", usage=True)
        device = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
        if re.search(r"\.py:[A-Za-z_]\w*$", args.model):
            model, tokenize = _load_python_model(args.model)
            model = model.to(device)
        else:
            model, tokenize = _load_hf_model(args.model, args.dtype, device)
        with open(args.text, encoding="utf-8") as f:
            ids = tokenize(f.read())
        if args.max_tokens > 0:
            calibrates = "spts" in args.mitigations or (args.operand == "weight" and "wanda" in args.criteria)
            calib = args.calib_tokens if calibrates and not args.calib_text else 0
            ids = ids[: args.max_tokens + calib]
        calib_ids = None
        if args.calib_text:
            with open(args.calib_text, encoding="utf-8") as f:
                calib_ids = tokenize(f.read())[: args.calib_tokens]
        export_bundle(
            model, ids, args.out,
            patterns=[p for p in args.patterns.split(",") if p.strip()],
            criteria=[c for c in args.criteria.split(",") if c.strip()],
            mitigations=[m for m in args.mitigations.split(",") if m.strip()],
            include_dense=not args.no_dense, seq_len=args.seq_len, trace_tokens=args.trace_tokens,
            trace_dtype=args.trace_dtype, record_masks=not args.no_masks, record_weights=args.weights,
            calib_ids=calib_ids, calib_tokens=args.calib_tokens, consumer_patterns=overrides,
            source={"checkpoint": args.model, "dataset_sha256": _sha256(args.text),
                    "command": "python torch_export.py " + shlex.join(argv)},
            dataset=os.path.basename(args.text), overwrite=args.overwrite, operand=args.operand,
        )
        print(f"wrote {args.out}", file=sys.stderr)
        return 0
    except ExportError as e:
        print(e.format(), file=sys.stderr)
        return 2 if e.usage else 1
    except KeyboardInterrupt:
        print("✖ exporter/interrupted\n  nothing was written", file=sys.stderr)
        return 130
    except Exception as e:  # the user's model, files or hardware failed: say what, not where
        if os.environ.get("NMSIM_DEBUG"):
            raise
        print(f"✖ exporter/failed\n  {type(e).__name__}: {e}\n  hint: nothing was written; set NMSIM_DEBUG=1 "
              "for the Python traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
