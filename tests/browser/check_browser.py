#!/usr/bin/env python3
"""Checks the report's neuron browser in headless Chromium against the run's own published files.

    check_browser.py RESULTS_DIR [--chromedriver PATH] [--timing]

RESULTS_DIR is a run's --outdir. For every group it opens report/neurons/index.html and checks the neuron count, the
default order (excess_corr, largest first) against neurons.csv read with pandas, and the filters (universal only,
one layer, one family). It then opens three neuron pages (the anchor group's most universal neuron, a neuron with a
family, a neuron of the last group) and checks what they show against neurons.csv, the statistics file (histogram
total, top activation), top_tokens.h5 and families.csv, read here with h5py and pandas; a neuron that does not exist
must give a message, not a script error. No page may log a script error. Exit 0 when every check passes; the first
failure is printed and exits 1. With --timing, prints how long each page took to be ready.
"""
import argparse
import json
import math
import os
import sys
import time

import h5py
import pandas as pd
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def browser(driver_path):
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,1000",
              "--no-first-run", "--disable-extensions", "--disable-background-networking"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if os.path.exists("/usr/bin/chromium"):
        opts.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service(driver_path), options=opts)


class Pages:
    def __init__(self, driver, root, timing):
        self.d = driver
        self.root = root
        self.timing = timing

    def open(self, page, fragment):
        t0 = time.time()
        self.d.get("file://" + os.path.join(self.root, "report", "neurons", page) + "#" + fragment)
        # a hash change on the same page does not reload it: reload so each check starts from a fresh page
        self.d.refresh()
        state = self.d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "if (typeof UN === 'undefined' || !UN.ready) { done('no UN.ready'); return; }"
            "Promise.resolve(UN.ready).then(function () { done('ok'); }, function (e) { done('error ' + e); });")
        check(state == "ok", f"{page}#{fragment}: the page did not get ready ({state})")
        if self.timing:
            print(f"timing: {page}#{fragment} ready in {time.time() - t0:.2f} s")
        self.no_script_errors(f"{page}#{fragment}")

    def no_script_errors(self, where):
        errors = [e for e in self.d.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"{where}: script errors: {json.dumps(errors)[:500]}")

    def text(self, element_id):
        return self.d.find_element(By.ID, element_id).text

    def fmt(self, value):
        return self.d.execute_script("return UN.fmt(arguments[0]);", None if value is None else float(value))

    def rows(self):
        """The index rows' cell texts (one script call: a WebDriver round trip per cell would take seconds)."""
        return [tuple(r) for r in self.d.execute_script(
            "return Array.from(document.querySelectorAll('#rows tr')).map(function (tr) {"
            "  return Array.from(tr.cells).map(function (td) { return td.textContent; }); });")]

    def section(self, title):
        """A neuron page's section: its text and, per table in it, the rows' cell texts (header rows left out)."""
        got = self.d.execute_script(
            "var out = null, title = arguments[0];"
            "document.querySelectorAll('#content section').forEach(function (s) {"
            "  if (out === null && s.querySelector('h2').textContent.indexOf(title) === 0) {"
            "    out = {text: s.innerText, tables: Array.from(s.querySelectorAll('table')).map(function (t) {"
            "      return Array.from(t.rows).filter(function (tr) { return tr.cells.length && tr.cells[0].tagName === 'TD'; })"
            "        .map(function (tr) { return Array.from(tr.cells).map(function (td) { return td.textContent; }); }); }),"
            "      acts: Array.from(s.querySelectorAll('.ctx')).map(function (c) {"
            "        return [c.querySelector('.act').textContent, c.querySelectorAll('mark').length]; })};"
            "  }"
            "});"
            "return out;", title)
        if got is None:
            raise Failure(f"no section '{title}'")
        return got

    def set_filter(self, element_id, value):
        self.d.execute_script(
            "var e = document.getElementById(arguments[0]);"
            "if (e.type === 'checkbox') { e.checked = arguments[1]; } else { e.value = arguments[1]; }"
            "e.dispatchEvent(new Event('input'));", element_id, value)


def load_run(results):
    meta_js = open(os.path.join(results, "report", "neurons", "data", "meta.js"), encoding="utf-8").read()
    meta = json.loads(meta_js[meta_js.index("(") + 1:meta_js.rindex(")")])
    groups = {}
    for g in meta["groups"]:
        table = pd.read_csv(os.path.join(results, "universality", g["label"], "neurons.csv"))
        fam_csv = os.path.join(results, "families", g["label"], "families.csv")
        groups[g["label"]] = {"meta": g, "table": table,
                              "families": pd.read_csv(fam_csv) if os.path.exists(fam_csv) else None}
    return meta, groups


def check_index(p, label, g):
    table, m = g["table"], g["meta"]
    p.open("index.html", label)
    n = len(table)
    check(p.text("status").startswith(f"{n} of {n} neurons of {label}"), f"index {label}: status '{p.text('status')}'")
    rows = p.rows()
    check(len(rows) == min(100, n), f"index {label}: {len(rows)} rows on the first page, expected {min(100, n)}")
    # excess_corr largest first, ties in table order (the page's sort is stable on the neuron index)
    order = table.sort_values("excess_corr", ascending=False, kind="stable")
    want = [f"{int(r.layer)}.{int(r.neuron)}" for r in order.head(len(rows)).itertuples()]
    check([r[0] for r in rows] == want, f"index {label}: first rows {[r[0] for r in rows[:5]]}, expected {want[:5]}")
    top = order.iloc[0]
    check(rows[0][1] == p.fmt(top.excess_corr), f"index {label}: excess shown {rows[0][1]} for {top.excess_corr}")
    p.set_filter("f-universal", True)
    u = int(table.is_universal.sum())
    check(p.text("status").startswith(f"{u} of {n} neurons"), f"index {label}: universal only: '{p.text('status')}', expected {u}")
    p.set_filter("f-universal", False)
    p.set_filter("f-layer", "1" if m["nLayers"] > 1 else "0")
    in_layer = int((table.layer == (1 if m["nLayers"] > 1 else 0)).sum())
    check(p.text("status").startswith(f"{in_layer} of {n} neurons"), f"index {label}: one layer: '{p.text('status')}'")
    p.set_filter("f-layer", "")
    if g["families"] is not None and len(g["families"]):
        fam = g["families"].family.iloc[0]
        p.set_filter("f-family", str(m["families"].index(fam)))
        k = int((g["families"].family == fam).sum())
        check(p.text("status").startswith(f"{k} of {n} neurons"), f"index {label}: family {fam}: '{p.text('status')}', expected {k}")
        p.set_filter("f-family", "")
    # sort by neuron: the first row is 0.0
    p.d.find_element(By.CSS_SELECTOR, "#head th[data-key=neuron]").click()
    check(p.rows()[0][0] == "0.0", f"index {label}: sorted by neuron, first row {p.rows()[0][0]}")
    p.no_script_errors(f"index {label} after filtering and sorting")


def check_neuron(p, results, label, g, layer, neuron):
    table, m = g["table"], g["meta"]
    p.open("neuron.html", f"{label}/{layer}/{neuron}")
    check(p.text("title").startswith(f"Neuron {layer}.{neuron}"), f"neuron {label} {layer}.{neuron}: title '{p.text('title')}'")
    row = table[(table.layer == layer) & (table.neuron == neuron)].iloc[0]
    cells = {r[0]: r[1] for r in p.section("Universality")["tables"][0]}
    for col in ["excess_corr", "mean_corr", "mean_baseline"]:
        check(cells.get(col) == p.fmt(row[col]), f"neuron {label} {layer}.{neuron}: {col} shown {cells.get(col)}, csv {row[col]}")
    partners = p.section("Partner neurons")["tables"]
    partners = partners[0] if partners else []
    for td, other in zip(partners, [pm["model"] for pm in m["partners"]]):
        want = f"{int(row['partner_layer_' + other])}.{int(row['partner_neuron_' + other])}"
        check(td[0] == other and td[1] == want and td[2] == p.fmt(row["corr_" + other]),
              f"neuron {label} {layer}.{neuron}: partner row {td}, expected {other} {want} {row['corr_' + other]}")
    check(len(partners) == len(m["partners"]), f"neuron {label} {layer}.{neuron}: {len(partners)} partner rows")
    i = layer * m["dMlp"] + neuron
    model = m["model"]
    stats = os.path.join(results, "stats", f"{model}.stats.h5")
    if m["has"]["histogram"]:
        with h5py.File(stats, "r") as h:
            total = int(h["pre_hist"][i].sum())
            top_value = float(h["top_values"][i][0])
        hist = p.section("Activation histogram")["text"]
        check(f"{total} tokens" in hist, f"neuron {label} {layer}.{neuron}: histogram total {total} not in '{hist[-120:]}'")
        ctx = p.section("Top-activating contexts")["acts"]
        check(ctx and ctx[0][0] == p.fmt(top_value),
              f"neuron {label} {layer}.{neuron}: first context's activation {ctx[:1]}, expected {top_value}")
        check(all(c[1] == 1 for c in ctx), "every context highlights its token")
    if m["has"]["tokens"]:
        with h5py.File(os.path.join(results, "roles", model, "top_tokens.h5"), "r") as h:
            ids = [int(x) for x in h["top_ids"][i]]
            low = [int(x) for x in h["bottom_ids"][i]]
        shown = [[r[2] for r in t] for t in p.section("Output tokens")["tables"]]
        check(shown == [[str(x) for x in ids], [str(x) for x in low]],
              f"neuron {label} {layer}.{neuron}: token ids {shown}, expected {ids} and {low}")
    fam = g["families"]
    if fam is not None:
        hit = fam[(fam.layer == layer) & (fam.neuron == neuron)]
        text = p.section("Family")["text"]
        if len(hit):
            check(hit.family.iloc[0] in text and str(hit.best_feature.iloc[0]) in text,
                  f"neuron {label} {layer}.{neuron}: family {hit.family.iloc[0]} not shown: '{text[:200]}'")
        else:
            check("Not among the neurons" in text, f"neuron {label} {layer}.{neuron}: family text '{text[:200]}'")
    p.no_script_errors(f"neuron {label} {layer}.{neuron}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    ap.add_argument("--timing", action="store_true")
    a = ap.parse_args()
    results = os.path.abspath(a.results)
    meta, groups = load_run(results)
    d = browser(a.chromedriver)
    checked = 0
    try:
        p = Pages(d, results, a.timing)
        for label, g in groups.items():
            check_index(p, label, g)
        labels = list(groups)
        anchor = groups[labels[0]]
        best = anchor["table"].sort_values("excess_corr", ascending=False, kind="stable").iloc[0]
        picks = [(labels[0], int(best.layer), int(best.neuron))]
        fam = anchor["families"]
        if fam is not None and len(fam):
            r = fam.iloc[len(fam) // 2]
            picks.append((labels[0], int(r.layer), int(r.neuron)))
        else:
            picks.append((labels[0], 0, 0))
        last = groups[labels[-1]]["table"]
        r = last.iloc[len(last) - 1]
        picks.append((labels[-1], int(r.layer), int(r.neuron)))
        for label, layer, neuron in picks:
            check_neuron(p, results, label, groups[label], layer, neuron)
            checked += 1
        # a neuron that does not exist: one message on the page, no script error
        p.open("neuron.html", f"{labels[0]}/0/{groups[labels[0]]['meta']['dMlp']}")
        check("No neuron" in p.text("content"), f"missing neuron: '{p.text('content')[:200]}'")
    except Failure as e:
        print(f"browser check failed: {e}", file=sys.stderr)
        return 1
    finally:
        d.quit()
    print(f"browser check: {len(groups)} group index pages and {checked} neuron pages match the run's files, no script errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
