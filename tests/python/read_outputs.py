#!/usr/bin/env python3
"""Reads every published HDF5 and CSV file of a run the way a Python user would (h5py, pandas) and checks what
docs/python.md promises: every dataset and attribute reads, every string is a variable-length UTF-8 string (h5py
gives str for attributes and, through .asstr(), for datasets), token shards' /vocab_bytes hold each token's bytes,
the tables have their columns and one row per neuron, and the files agree with each other on the models' shapes.

    python3 tests/python/read_outputs.py RESULTS_DIR [DOCS_MD] [--text SHARD TEXT_FILE]

With DOCS_MD (docs/python.md) its Python snippets also run, in RESULTS_DIR, so the documented way stays true. With
--text, SHARD (a token shard tokenize made of the UTF-8 TEXT_FILE) must give the text back: its rows' tokens after
BOS, their /vocab_bytes joined, are the file's bytes up to where the last whole row ends (at least half of them).
Prints one summary line; exits 1 with one line per problem.
"""
import json
import os
import sys

import h5py
import numpy as np
import pandas as pd


def check_attribute(where, name, value, problems):
    """A string attribute must read as str (or an array of str), never as bytes (a fixed-length string)."""
    if isinstance(value, bytes) or (isinstance(value, np.ndarray) and value.dtype.kind == "S"):
        problems.append(f"{where}: attribute {name} reads as bytes, expected str (a variable-length UTF-8 string)")
    elif isinstance(value, np.ndarray) and value.dtype.kind == "O":
        if not all(isinstance(v, str) for v in value.ravel()):
            problems.append(f"{where}: attribute {name} holds objects other than str")


def check_strings(where, ds, problems):
    """A string dataset must be variable-length UTF-8: .asstr() gives str, [()] the same text's UTF-8 bytes."""
    info = h5py.check_string_dtype(ds.dtype)
    if info.length is not None or info.encoding != "utf-8":
        problems.append(f"{where}: string type {info}, expected variable-length UTF-8")
        return
    texts = ds.asstr()[()]
    raw = ds[()]
    texts = [texts] if isinstance(texts, str) else list(np.ravel(texts))
    raw = [raw] if isinstance(raw, bytes) else list(np.ravel(raw))
    if not all(isinstance(t, str) for t in texts) or [t.encode("utf-8") for t in texts] != raw:
        problems.append(f"{where}: .asstr() does not give the text of the stored UTF-8 bytes as str")


def read_h5(path, problems):
    datasets = 0
    with h5py.File(path, "r") as f:
        for name, value in f.attrs.items():
            check_attribute(path, name, value, problems)

        def visit(name, obj):
            nonlocal datasets
            if isinstance(obj, h5py.Dataset):
                obj[()]
                datasets += 1
                if h5py.check_string_dtype(obj.dtype) is not None:
                    check_strings(f"{path}: /{name}", obj, problems)
                for a, v in obj.attrs.items():
                    check_attribute(f"{path}: /{name}", a, v, problems)

        f.visititems(visit)
        if "vocab_bytes" in f:
            check_vocab_bytes(path, f, problems)
    return datasets


def token_bytes(f):
    """Each token's bytes of a token shard, as docs/python.md reads them."""
    raw, offsets = f["vocab_bytes"][:].tobytes(), f["vocab_offsets"][:]
    return [raw[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]


def check_vocab_bytes(path, f, problems):
    """/vocab_offsets bound vocab_size tokens; where /vocab is there, it is each token's bytes as text (U+FFFD for a
    part of a character; cut at NUL, where HDF5 strings end)."""
    offsets = f["vocab_offsets"][:]
    if (f["vocab_bytes"].dtype != np.uint8 or len(offsets) != f.attrs["vocab_size"] + 1 or offsets[0] != 0
            or offsets[-1] != f["vocab_bytes"].shape[0] or np.any(np.diff(offsets) < 0)):
        problems.append(f"{path}: /vocab_offsets do not bound vocab_size tokens of /vocab_bytes (uint8)")
        return
    if "vocab" in f:
        vocab = f["vocab"].asstr()[()]
        for i, b in enumerate(token_bytes(f)):
            if b.decode("utf-8", errors="replace").split("\0")[0] != vocab[i]:
                problems.append(f"{path}: token {i}: /vocab {vocab[i]!r} is not the text of its bytes {b!r}")
                break


def check_text(shard, text_file, problems):
    """The shard's tokens, their bytes joined, give the text back, characters split over tokens included."""
    want = open(text_file, "rb").read()
    with h5py.File(shard, "r") as f:
        tokens = f["tokens"][:]
        pieces = token_bytes(f)
    joined = b"".join(pieces[i] for row in tokens for i in row[1:])
    split = sum(1 for row in tokens for i in row[1:] if not whole_utf8(pieces[i]))
    if len(joined) < len(want) // 2 or joined != want[:len(joined)]:
        problems.append(f"{shard}: its tokens' bytes joined ({len(joined)} bytes) are not the start of {text_file}")
    elif split == 0:
        problems.append(f"{shard}: no token of {text_file} is part of a character: the check proves nothing")
    return split


def whole_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def shapes(results):
    """Model name -> (n_layers, d_mlp) from the published configs (config.json of each checkpoint)."""
    out = {}
    models = os.path.join(results, "models")
    for m in sorted(os.listdir(models)) if os.path.isdir(models) else []:
        cfg = os.path.join(models, m, "config.json")
        if os.path.exists(cfg):
            c = json.load(open(cfg))
            layers = c.get("n_layer", c.get("num_hidden_layers"))
            d_model = c.get("n_embd", c.get("hidden_size"))
            d_mlp = c.get("n_inner") or c.get("intermediate_size") or 4 * d_model
            out[m] = (layers, d_mlp)
    return out


def main(results, docs=None, text_check=None):
    problems = []
    n_h5 = n_sets = n_csv = 0
    model_shapes = shapes(results)
    for root, _, files in os.walk(results):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, results)
            if name.endswith(".h5"):
                n_sets += read_h5(path, problems)
                n_h5 += 1
            elif name.endswith(".csv"):
                table = pd.read_csv(path)
                n_csv += 1
                if rel.startswith("universality/") and name == "neurons.csv":
                    for col in ("layer", "neuron", "max_corr", "excess_corr", "is_universal"):
                        if col not in table.columns:
                            problems.append(f"{rel}: no column {col}")
                if rel.startswith("roles/") and name == "roles.csv":
                    model = rel.split("/")[1]
                    if model in model_shapes:
                        layers, d_mlp = model_shapes[model]
                        if len(table) != layers * d_mlp:
                            problems.append(f"{rel}: {len(table)} rows, the model has {layers} x {d_mlp} neurons")
                    last = table["layer"] == table["layer"].max()
                    if not table.loc[last, "bos_head"].isna().all() or table.loc[~last, "bos_head"].isna().any():
                        problems.append(f"{rel}: bos_head empty other than exactly in the last layer")
                if rel.startswith("interventions/") and name == "entropy.csv":
                    if table.iloc[0]["kind"] != "nominal":
                        problems.append(f"{rel}: the first row is not the unchanged run")
    # the families file's strings are text
    fam = os.path.join(results, "families", "trained", "families.h5")
    if os.path.exists(fam):
        with h5py.File(fam, "r") as f:
            families = f["family"].asstr()[()]
            if not all(isinstance(x, str) and x for x in families):
                problems.append("families/trained/families.h5: /family does not read as non-empty text")
    corpus = os.path.join(results, "corpus")
    for name in sorted(os.listdir(corpus)) if os.path.isdir(corpus) else []:
        if name.endswith(".h5"):
            with h5py.File(os.path.join(corpus, name), "r") as f:
                if "vocab_bytes" not in f:
                    problems.append(f"corpus/{name}: no /vocab_bytes")
    split = check_text(text_check[0], text_check[1], problems) if text_check else None
    snippets = 0
    if docs:
        import re
        here = os.getcwd()
        os.chdir(results)
        scope = {}
        try:
            for block in re.findall(r"```python\n(.*?)```", open(os.path.join(here, docs)).read(), re.S):
                try:
                    exec(block, scope)
                    snippets += 1
                except Exception as e:  # a snippet that fails on a real run is a documentation error
                    problems.append(f"{docs}: snippet {snippets + 1} fails: {type(e).__name__}: {e}")
                    break
        finally:
            os.chdir(here)
    if n_h5 == 0 or n_csv == 0:
        problems.append(f"{results}: no HDF5 or no CSV file found")
    for p in problems:
        print(p)
    texts = f", {text_check[0]} gives {text_check[1]} back ({split} tokens part of a character)" if text_check else ""
    print(f"python: read {n_h5} HDF5 files ({n_sets} datasets) with h5py {h5py.__version__} and {n_csv} CSV files with"
          f" pandas {pd.__version__}, {snippets} documented snippet(s) run{texts}: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    text_check = None
    if "--text" in args:
        i = args.index("--text")
        text_check = args[i + 1:i + 3]
        del args[i:i + 3]
    sys.exit(main(args[0], args[1] if len(args) > 1 else None, text_check))
