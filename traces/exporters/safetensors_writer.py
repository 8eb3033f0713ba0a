"""A small safetensors writer (torch tensors in, one file out), used when the `safetensors`
package is not importable.

Layout (https://github.com/huggingface/safetensors, format section): an unsigned 64-bit
little-endian header length, the JSON header {key: {dtype, shape, data_offsets: [begin, end]},
"__metadata__": {str: str}} padded with spaces to a multiple of 8 bytes, then the raw
little-endian tensor bytes, offsets relative to the end of the header.
"""
from __future__ import annotations

import json
import struct
import sys

import torch

DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.uint8: "U8"}


def tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        arr = t.view(torch.int16).numpy()
    else:
        arr = t.numpy()
    if sys.byteorder != "little":
        arr = arr.byteswap()
    return arr.tobytes()


def write_safetensors(path: str, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    try:
        from safetensors.torch import save_file  # type: ignore
    except ImportError:
        save_file = None
    if save_file is not None:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, path, metadata=metadata)
        return
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for key, t in tensors.items():
        if t.dtype not in DTYPE_NAMES:
            raise ValueError(f"{key}: dtype {t.dtype} is not one nmsim reads (F32, F16, BF16, U8)")
        length = t.numel() * t.element_size()
        header[key] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + length]}
        offset += length
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for t in tensors.values():
            f.write(tensor_bytes(t))
