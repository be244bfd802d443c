#!/usr/bin/env python3
"""Reads every published HDF5 and CSV file of a run the way a Python user would (h5py, pandas) and checks what
docs/python.md promises: every dataset and attribute reads, strings decode as UTF-8, the tables have their columns
and one row per neuron, and the files agree with each other on the models' shapes.

    python3 tests/python/read_outputs.py RESULTS_DIR [DOCS_MD]

With DOCS_MD (docs/python.md) its Python snippets also run, in RESULTS_DIR, so the documented way stays true.
Prints one summary line; exits 1 with one line per problem.
"""
import json
import os
import sys

import h5py
import numpy as np
import pandas as pd


def text(value):
    """An HDF5 string as str: jhdf writes fixed-length byte strings, which h5py returns as bytes."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype.kind == "S":
        return [v.decode("utf-8") for v in value.ravel()]
    return value


def read_h5(path, problems):
    datasets = 0
    with h5py.File(path, "r") as f:
        for name, value in f.attrs.items():
            try:
                text(value)
            except UnicodeDecodeError:
                problems.append(f"{path}: attribute {name} is not UTF-8")

        def visit(name, obj):
            nonlocal datasets
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                datasets += 1
                if obj.dtype.kind == "S":
                    try:
                        text(np.asarray(data))
                    except UnicodeDecodeError:
                        problems.append(f"{path}: /{name} holds strings that are not UTF-8")
                for a, v in obj.attrs.items():
                    text(v)

        f.visititems(visit)
    return datasets


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


def main(results, docs=None):
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
            families = text(f["family"][()])
            if not all(isinstance(x, str) and x for x in families):
                problems.append("families/trained/families.h5: /family does not read as non-empty text")
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
    print(f"python: read {n_h5} HDF5 files ({n_sets} datasets) with h5py {h5py.__version__} and {n_csv} CSV files with"
          f" pandas {pd.__version__}, {snippets} documented snippet(s) run: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
