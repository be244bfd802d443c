#!/usr/bin/env python3
"""The content hash (WeightsDigest in core) of each reference checkpoint, computed independently of the Java code.

    python3 weights_sha256.py          (from java-tasks/testdata/hf; standard library only)

Each tensor's digest is SHA-256 over  name NUL dtype NUL shape NUL bytes  (shape: decimal dimensions joined by
commas; bytes: little-endian, row-major); a checkpoint's hash is SHA-256 over the 32-byte digests of its tensors in
ascending name order. The pytorch_model.bin twins (make_torch_bin.py) are rebuilt here as their logical tensors from
the safetensors originals, as torch would load them: the extra buffers and the tied lm_head of gpt2-tiny-bin, the
float16 and bfloat16 roundings, the rotary inv_freq buffers of neox-tiny-bin. core's WeightsDigestTest holds the
printed values.
"""
import hashlib
import json
import os
import struct

from make_torch_bin import bf16, f16, read_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))


def model_hash(tensors):
    """tensors: name -> (dtype, shape, little-endian row-major bytes)."""
    top = hashlib.sha256()
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        header = name.encode() + b"\0" + dtype.encode() + b"\0" + ",".join(str(d) for d in shape).encode() + b"\0"
        top.update(hashlib.sha256(header + data).digest())
    return top.hexdigest()


def safetensors(d):
    return {n: ("F32", s, b) for n, (s, b) in read_safetensors(os.path.join(HERE, d, "model.safetensors")).items()}


def gpt2_bin():
    t = safetensors("gpt2-tiny")
    cfg = json.load(open(os.path.join(HERE, "gpt2-tiny", "config.json")))
    n = cfg["n_positions"]
    mask = bytes(1 if c <= r else 0 for r in range(n) for c in range(n))
    for layer in range(cfg["n_layer"]):
        t["transformer.h.%d.attn.bias" % layer] = ("U8", [1, 1, n, n], mask)
        t["transformer.h.%d.attn.masked_bias" % layer] = ("F32", [], struct.pack("<f", -1e4))
    t["lm_head.weight"] = t["transformer.wte.weight"]
    return t


def gpt2_bin16():
    return {n: ("F16", s, f16(b)) for n, (_, s, b) in safetensors("gpt2-tiny").items()}


def neox_bin():
    t = {n: ("BF16", s, bf16(b)) for n, (_, s, b) in safetensors("neox-tiny").items()}
    cfg = json.load(open(os.path.join(HERE, "neox-tiny", "config.json")))
    rotary = int(cfg["hidden_size"] // cfg["num_attention_heads"] * cfg["rope_parameters"]["partial_rotary_factor"])
    inv = [1.0 / (cfg["rope_parameters"]["rope_theta"] ** (i / rotary)) for i in range(0, rotary, 2)]
    for layer in range(cfg["num_hidden_layers"]):
        t["gpt_neox.layers.%d.attention.rotary_emb.inv_freq" % layer] = ("F32", [len(inv)],
                                                                         struct.pack("<%df" % len(inv), *inv))
    return t


if __name__ == "__main__":
    for name, tensors in (("gpt2-tiny", safetensors("gpt2-tiny")), ("gpt2-tiny-bin", gpt2_bin()),
                          ("gpt2-tiny-bin16", gpt2_bin16()), ("neox-tiny", safetensors("neox-tiny")),
                          ("neox-tiny-bin", neox_bin())):
        print(name, model_hash(tensors))
