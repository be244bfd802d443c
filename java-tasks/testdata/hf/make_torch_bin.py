#!/usr/bin/env python3
"""PyTorch-format twins of the tiny reference checkpoints, written with the standard library only.

    python3 make_torch_bin.py          (from java-tasks/testdata/hf; rewrites the three directories below)

Hugging Face checkpoints often hold `pytorch_model.bin` instead of (or beside) `model.safetensors`: the file
torch.save writes, a zip archive with

    <archive>/data.pkl        a pickle (protocol 2) of the state dict: an OrderedDict (or dict) of tensors, each
                              pickled as torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
                              requires_grad, backward_hooks), each storage as the persistent id
                              ('storage', torch.<Type>Storage, key, location, numel)
    <archive>/byteorder       "little"
    <archive>/data/<key>      the raw little-endian bytes of storage <key>, stored uncompressed at a 64-byte boundary
    <archive>/version         "3"
    <archive>/.data/serialization_id

torch is not installed on the machines that build this project, so this script writes that layout itself: stand-in
`torch` and `torch._utils` modules make Python's pickle emit the same GLOBAL opcodes (torch._utils
_rebuild_tensor_v2, torch FloatStorage, ...) and persistent ids that torch.save emits, and zipfile writes the archive.
The values come from the fixtures' own model.safetensors, so each twin must give the same activations:

    gpt2-tiny-bin/     float32 storages, one file (archive name "pytorch_model", as torch < 2 named it): an
                       OrderedDict with _metadata (as model.state_dict() carries), the tied lm_head.weight sharing
                       the storage of wte, the old attn.bias (uint8 mask) and attn.masked_bias (scalar) buffers,
                       ln_1.weight and ln_1.bias as two views of one storage (the bias at storage offset 48), and
                       every mlp.c_fc.weight as a transposed view (stride (1, 48)) of a [192, 48] storage.
                       Bit-identical to gpt2-tiny.
    gpt2-tiny-bin16/   float16 storages, sharded (pytorch_model-0000N-of-00002.bin + pytorch_model.bin.index.json),
                       archive name "archive", a plain dict. Equal to gpt2-tiny rounded to float16 (nearest even).
    neox-tiny-bin/     bfloat16 storages, one file, plus float32 rotary_emb.inv_freq buffers. Equal to neox-tiny
                       rounded to bfloat16 (nearest even).

The output is deterministic: the same input gives the same bytes.
"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import sys
import types
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
# dtype -> (torch storage class, bytes per element)
STORAGE = {
    "float32": ("FloatStorage", 4),
    "float16": ("HalfStorage", 2),
    "bfloat16": ("BFloat16Storage", 2),
    "uint8": ("ByteStorage", 1),
}


def install_torch_stand_ins():
    """Modules named torch and torch._utils whose objects pickle as the real ones do (GLOBAL module name)."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
        raise RuntimeError("a stand-in: this script only writes checkpoints")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    for cls, _ in STORAGE.values():
        setattr(torch, cls, type(cls, (), {"__module__": "torch"}))
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return torch


torch = install_torch_stand_ins()


class Storage:
    """One storage: its key in the archive (data/<key>), dtype and raw bytes."""

    def __init__(self, key, dtype, data):
        self.key = key
        self.dtype = dtype
        self.data = data
        self.numel = len(data) // STORAGE[dtype][1]


class Tensor:
    """A view of a storage; pickles as torch.Tensor does (protocol 2)."""

    def __init__(self, storage, offset, size, stride):
        self.storage = storage
        self.offset = offset
        self.size = tuple(size)
        self.stride = tuple(stride)

    def __reduce_ex__(self, protocol):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    """torch.save's pickler: storages become persistent ids ('storage', type, key, location, numel)."""

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", getattr(torch, STORAGE[obj.dtype][0]), obj.key, "cpu", obj.numel)
        return None


class Builder:
    """Collects the tensors of one file; storage keys are numbered in order of first use, as torch.save does."""

    def __init__(self, state=None):
        self.state = collections.OrderedDict() if state is None else state
        self.storages = []

    def storage(self, dtype, data):
        s = Storage(str(len(self.storages)), dtype, data)
        self.storages.append(s)
        return s

    def add(self, name, storage, offset, size, stride=None):
        self.state[name] = Tensor(storage, offset, size, contiguous_stride(size) if stride is None else stride)

    def contiguous(self, name, dtype, data, size):
        self.add(name, self.storage(dtype, data), 0, size)

    def copy(self, name, src):
        """A float32 tensor of the safetensors source as it is, in its own storage."""
        shape, data = src[name]
        self.contiguous(name, "float32", data, shape)

    def write(self, path, archive):
        buf = io.BytesIO()
        TorchPickler(buf, protocol=2).dump(self.state)
        records = [("data.pkl", buf.getvalue()), ("byteorder", b"little")]
        for s in sorted(self.storages, key=lambda s: s.key):
            records.append(("data/" + s.key, s.data))
        records += [("version", b"3\n"), (".data/serialization_id", b"0000000000000000000000000000000000000000")]
        write_zip(path, archive, records)


def contiguous_stride(size):
    stride, n = [], 1
    for d in reversed(size):
        stride.insert(0, n)
        n *= d
    return stride


def write_zip(path, archive, records):
    """Uncompressed entries whose data start at a multiple of 64 bytes (torch pads the extra field to get there)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in records:
            full = archive + "/" + name
            info = zipfile.ZipInfo(full, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0
            start = z.fp.tell() + 30 + len(full.encode()) + 4
            pad = (-start) % 64
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            z.writestr(info, data)


def read_safetensors(path):
    """name -> (shape, float32 values as raw little-endian bytes), in file order."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = collections.OrderedDict()
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0] if kv[0] != "__metadata__" else -1):
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", name
        b, end = e["data_offsets"]
        out[name] = (e["shape"], raw[8 + n + b:8 + n + end])
    return out


def f16(data):
    values = struct.unpack("<%df" % (len(data) // 4), data)
    return struct.pack("<%de" % len(values), *values)  # round to nearest even


def bf16(data):
    bits = struct.unpack("<%dI" % (len(data) // 4), data)
    return struct.pack("<%dH" % len(bits), *[((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF for b in bits])


def transpose(data, rows, cols):
    """A [rows, cols] float32 matrix as its [cols, rows] transpose, contiguous."""
    v = struct.unpack("<%df" % (rows * cols), data)
    return struct.pack("<%df" % (rows * cols), *[v[r * cols + c] for c in range(cols) for r in range(rows)])


def fresh(name, source):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copyfile(os.path.join(HERE, source, "config.json"), os.path.join(d, "config.json"))
    return d


def gpt2_float32():
    src = read_safetensors(os.path.join(HERE, "gpt2-tiny", "model.safetensors"))
    cfg = json.load(open(os.path.join(HERE, "gpt2-tiny", "config.json")))
    n_ctx = cfg["n_positions"]
    b = Builder()
    b.state._metadata = collections.OrderedDict([("", {"version": 1}), ("transformer", {"version": 1})])
    wte_shape, wte = src["transformer.wte.weight"]
    wte_storage = b.storage("float32", wte)
    b.add("transformer.wte.weight", wte_storage, 0, wte_shape)
    b.copy("transformer.wpe.weight", src)
    mask = bytes(1 if c <= r else 0 for r in range(n_ctx) for c in range(n_ctx))
    for layer in range(cfg["n_layer"]):
        p = "transformer.h.%d." % layer
        (d,), w = src[p + "ln_1.weight"]
        _, bias = src[p + "ln_1.bias"]
        ln = b.storage("float32", w + bias)  # two views of one storage; the bias starts at offset d
        b.add(p + "ln_1.weight", ln, 0, [d])
        b.add(p + "ln_1.bias", ln, d, [d])
        b.contiguous(p + "attn.bias", "uint8", mask, [1, 1, n_ctx, n_ctx])
        b.contiguous(p + "attn.masked_bias", "float32", struct.pack("<f", -1e4), [])
        for t in ("attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
                  "ln_2.weight", "ln_2.bias"):
            b.copy(p + t, src)
        (rows, cols), w = src[p + "mlp.c_fc.weight"]
        b.add(p + "mlp.c_fc.weight", b.storage("float32", transpose(w, rows, cols)), 0, [rows, cols], [1, rows])
        for t in ("mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"):
            b.copy(p + t, src)
    for t in ("transformer.ln_f.weight", "transformer.ln_f.bias"):
        b.copy(t, src)
    b.add("lm_head.weight", wte_storage, 0, wte_shape)  # tied: the same storage as wte
    b.write(os.path.join(fresh("gpt2-tiny-bin", "gpt2-tiny"), "pytorch_model.bin"), "pytorch_model")


def gpt2_float16_sharded():
    src = read_safetensors(os.path.join(HERE, "gpt2-tiny", "model.safetensors"))
    d = fresh("gpt2-tiny-bin16", "gpt2-tiny")
    shards = [Builder({}), Builder({})]
    for name, (shape, data) in src.items():
        shards[1 if name.startswith(("transformer.h.1.", "transformer.ln_f.")) else 0].contiguous(
            name, "float16", f16(data), shape)
    weight_map, total = {}, 0
    for i, s in enumerate(shards):
        file = "pytorch_model-%05d-of-%05d.bin" % (i + 1, len(shards))
        s.write(os.path.join(d, file), "archive")
        for name in s.state:
            weight_map[name] = file
        total += sum(len(st.data) for st in s.storages)
    with open(os.path.join(d, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")


def neox_bfloat16():
    src = read_safetensors(os.path.join(HERE, "neox-tiny", "model.safetensors"))
    cfg = json.load(open(os.path.join(HERE, "neox-tiny", "config.json")))
    b = Builder({})
    for name, (shape, data) in src.items():
        b.contiguous(name, "bfloat16", bf16(data), shape)
    rotary = int(cfg["hidden_size"] // cfg["num_attention_heads"] * cfg["rope_parameters"]["partial_rotary_factor"])
    inv_freq = [1.0 / (cfg["rope_parameters"]["rope_theta"] ** (i / rotary)) for i in range(0, rotary, 2)]
    for layer in range(cfg["num_hidden_layers"]):
        b.contiguous("gpt_neox.layers.%d.attention.rotary_emb.inv_freq" % layer, "float32",
                     struct.pack("<%df" % len(inv_freq), *inv_freq), [len(inv_freq)])
    b.write(os.path.join(fresh("neox-tiny-bin", "neox-tiny"), "pytorch_model.bin"), "archive")


if __name__ == "__main__":
    gpt2_float32()
    gpt2_float16_sharded()
    neox_bfloat16()
    for d in ("gpt2-tiny-bin", "gpt2-tiny-bin16", "neox-tiny-bin"):
        files = sorted(os.listdir(os.path.join(HERE, d)))
        print(d + ": " + ", ".join("%s (%d bytes)" % (f, os.path.getsize(os.path.join(HERE, d, f))) for f in files))
