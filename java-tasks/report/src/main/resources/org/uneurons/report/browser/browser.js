/*
 * The neuron browser (written by the report task; docs/report.md, "Neuron browser"). The pages open from disk, where
 * scripts cannot fetch files, so every data file is a script calling UN.meta, UN.index or UN.detail; a page loads
 * only the files it shows: the index page every layer's index of one group, a neuron page one chunk of one layer.
 */
"use strict";
var UN = (function () {
  var meta = null;
  var indexData = {};
  var detailData = {};
  var PAGE_ROWS = 100;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") { e.textContent = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
      });
    }
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function byId(id) { return document.getElementById(id); }

  /** A number with 4 significant digits; "–" for a missing one. */
  function fmt(v) {
    if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) { return "–"; }
    if (typeof v !== "number") { return String(v); }
    if (v === 0) { return "0"; }
    var a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) { return v.toExponential(3); }
    return String(Number(v.toPrecision(4)));
  }

  /** Loads one data script; resolves when it ran, rejects with the file's name when it is missing. */
  function load(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
  }

  function group(label) {
    for (var i = 0; i < meta.groups.length; i++) {
      if (meta.groups[i].label === label) { return meta.groups[i]; }
    }
    return null;
  }

  function neuronHref(g, l, n) { return "neuron.html#" + encodeURIComponent(g) + "/" + l + "/" + n; }

  function roleNames(g, bits) {
    var names = [];
    g.roleFlags.forEach(function (f, b) { if (bits & (1 << b)) { names.push(f); } });
    return names.join(", ");
  }

  function showError(where, message) {
    var box = byId(where);
    box.textContent = "";
    box.appendChild(el("p", {"class": "na", text: message}));
  }

  // ---------------------------------------------------------------- index page

  /** The group's index as flat columns over all its neurons (layer-major). */
  function gather(g) {
    var n = g.nLayers * g.dMlp, cols = {}, flags = ["present", "universal", "dead", "family", "roles"];
    g.index.forEach(function (c) { cols[c] = new Float64Array(n); });
    flags.forEach(function (c) { cols[c] = new Int32Array(n); });
    for (var l = 0; l < g.nLayers; l++) {
      var d = indexData[g.label + "/" + l];
      for (var j = 0; j < g.dMlp; j++) {
        var i = l * g.dMlp + j;
        g.index.forEach(function (c) { var v = d[c][j]; cols[c][i] = v === null ? NaN : v; });
        flags.forEach(function (c) { cols[c][i] = d[c][j]; });
      }
    }
    return cols;
  }

  function IndexView(g, cols) {
    this.g = g;
    this.cols = cols;
    this.sortKey = g.index.indexOf("excess_corr") >= 0 ? "excess_corr" : null;
    this.descending = true;
    this.page = 0;
    this.rows = new Int32Array(0);
  }

  IndexView.prototype.columns = function () {
    return [{key: "neuron", label: "neuron"}].concat(this.g.index.map(function (c) { return {key: c, label: c}; }),
      [{key: "universal", label: "universal"}, {key: "family", label: "family"}, {key: "roles", label: "role"}]);
  };

  /** Neuron indices passing the filters, sorted. */
  IndexView.prototype.select = function () {
    var g = this.g, c = this.cols, n = g.nLayers * g.dMlp, out = [];
    var layer = byId("f-layer").value, excess = parseFloat(byId("f-excess").value);
    var universal = byId("f-universal").checked, family = byId("f-family").value, role = byId("f-role").value;
    var fmin = parseFloat(byId("f-freq-min").value), fmax = parseFloat(byId("f-freq-max").value);
    var find = byId("f-find").value.trim().match(/^(\d+)(?:\.(\d*))?$/);
    var freq = c.act_freq;
    for (var i = 0; i < n; i++) {
      if (!c.present[i]) { continue; }
      var l = Math.floor(i / g.dMlp);
      if (layer !== "" && l !== Number(layer)) { continue; }
      if (find && (l !== Number(find[1]) || (find[2] && String(i % g.dMlp).indexOf(find[2]) !== 0))) { continue; }
      if (!isNaN(excess) && !(c.excess_corr[i] >= excess)) { continue; }
      if (universal && !c.universal[i]) { continue; }
      if (family !== "" && c.family[i] !== Number(family)) { continue; }
      if (role !== "" && (role === "0" ? c.roles[i] !== 0 : !(c.roles[i] & Number(role)))) { continue; }
      if (freq && !isNaN(fmin) && !(freq[i] >= fmin)) { continue; }
      if (freq && !isNaN(fmax) && !(freq[i] <= fmax)) { continue; }
      out.push(i);
    }
    this.sort(out);
    this.rows = out;
  };

  IndexView.prototype.sort = function (out) {
    var key = this.sortKey, sign = this.descending ? -1 : 1, col = key && key !== "neuron" ? this.cols[key] : null;
    if (!col) {
      if (this.descending && key === "neuron") { out.reverse(); }
      return;
    }
    out.sort(function (a, b) {
      var x = col[a], y = col[b];
      if (isNaN(x) || isNaN(y)) { return isNaN(x) ? (isNaN(y) ? a - b : 1) : -1; } // missing values last
      return x === y ? a - b : sign * (x < y ? -1 : 1);
    });
  };

  IndexView.prototype.header = function () {
    var view = this, head = byId("head");
    head.textContent = "";
    this.columns().forEach(function (col) {
      var th = el("th", {"class": col.key === "neuron" || col.key === "family" || col.key === "roles" ? "" : "n",
        "data-key": col.key, text: col.label});
      if (col.key === view.sortKey) { th.setAttribute("aria-sort", view.descending ? "descending" : "ascending"); }
      th.addEventListener("click", function () {
        view.descending = view.sortKey === col.key ? !view.descending : col.key !== "neuron";
        view.sortKey = col.key;
        view.page = 0;
        view.refresh();
      });
      head.appendChild(th);
    });
  };

  IndexView.prototype.render = function () {
    var g = this.g, c = this.cols, body = byId("rows"), total = this.rows.length;
    var pages = Math.max(1, Math.ceil(total / PAGE_ROWS));
    this.page = Math.min(this.page, pages - 1);
    var from = this.page * PAGE_ROWS, to = Math.min(total, from + PAGE_ROWS);
    body.textContent = "";
    for (var k = from; k < to; k++) {
      var i = this.rows[k], l = Math.floor(i / g.dMlp), j = i % g.dMlp;
      var tr = el("tr", {"data-layer": l, "data-neuron": j});
      tr.appendChild(el("td", {}, [el("a", {href: neuronHref(g.label, l, j), text: l + "." + j})]));
      g.index.forEach(function (col) { tr.appendChild(el("td", {"class": "n", text: fmt(c[col][i])})); });
      tr.appendChild(el("td", {text: c.universal[i] ? "yes" : ""}));
      tr.appendChild(el("td", {text: c.family[i] >= 0 ? g.families[c.family[i]] : ""}));
      tr.appendChild(el("td", {text: roleNames(g, c.roles[i])}));
      body.appendChild(tr);
    }
    byId("status").textContent = total + " of " + g.rows + " neurons of " + g.label
      + (g.model ? " (model " + g.model + ")" : "") + " match";
    byId("range").textContent = total ? "rows " + (from + 1) + "–" + to + " of " + total + ", page "
      + (this.page + 1) + " of " + pages : "no rows";
    byId("prev").disabled = this.page === 0;
    byId("next").disabled = this.page >= pages - 1;
  };

  IndexView.prototype.refresh = function () {
    this.select();
    this.header();
    this.render();
  };

  function fillFilters(g) {
    var layer = byId("f-layer"), family = byId("f-family"), role = byId("f-role");
    [layer, family, role].forEach(function (s) { while (s.options.length > (s === layer ? 1 : 2)) { s.remove(s.options.length - 1); } });
    for (var l = 0; l < g.nLayers; l++) { layer.appendChild(el("option", {value: String(l), text: String(l)})); }
    g.families.forEach(function (f, k) { family.appendChild(el("option", {value: String(k), text: f})); });
    g.roleFlags.forEach(function (f, b) { role.appendChild(el("option", {value: String(1 << b), text: f})); });
    byId("f-freq-min").disabled = byId("f-freq-max").disabled = g.index.indexOf("act_freq") < 0;
    var notes = byId("notes");
    notes.textContent = "";
    g.notes.forEach(function (t) { notes.appendChild(el("p", {"class": "note", text: t})); });
  }

  function openGroup(label) {
    var g = group(label) || meta.groups[0], files = [];
    for (var l = 0; l < g.nLayers; l++) {
      if (!indexData[g.label + "/" + l]) { files.push(load("data/" + encodeURIComponent(g.label) + "/index-" + l + ".js")); }
    }
    byId("status").textContent = "Loading " + files.length + " index files of " + g.label + "…";
    return Promise.all(files).then(function () {
      fillFilters(g);
      var view = new IndexView(g, gather(g));
      ["f-layer", "f-excess", "f-universal", "f-family", "f-role", "f-freq-min", "f-freq-max", "f-find"].forEach(function (id) {
        byId(id).oninput = function () { view.page = 0; view.refresh(); };
      });
      byId("prev").onclick = function () { view.page--; view.render(); };
      byId("next").onclick = function () { view.page++; view.render(); };
      view.refresh();
      if (location.hash.slice(1) !== encodeURIComponent(g.label)) {
        history.replaceState(null, "", "#" + encodeURIComponent(g.label));
      }
      return view;
    });
  }

  function indexPage() {
    if (!meta) { showError("status", "data/meta.js is missing or damaged: the browser has no data."); return null; }
    byId("title").textContent = meta.title + ": neuron browser";
    var select = byId("f-group");
    meta.groups.forEach(function (g) {
      select.appendChild(el("option", {value: g.label, text: g.label + (g.model ? " (" + g.model + ")" : "")}));
    });
    var start = decodeURIComponent(location.hash.slice(1)) || meta.groups[0].label;
    select.value = group(start) ? start : meta.groups[0].label;
    select.onchange = function () {
      UN.ready = openGroup(select.value).catch(function (e) { showError("status", e.message); });
    };
    UN.ready = openGroup(select.value).catch(function (e) { showError("status", e.message); });
    return UN.ready;
  }

  // ---------------------------------------------------------------- neuron page

  function table(rows, head) {
    var t = el("table");
    if (head) { t.appendChild(el("tr", {}, head.map(function (h) { return el("th", {text: h}); }))); }
    rows.forEach(function (r) {
      t.appendChild(el("tr", {}, r.map(function (v) {
        if (v instanceof Node) { return el("td", {}, [v]); }
        return el("td", {"class": typeof v === "number" ? "n" : "", text: typeof v === "number" ? fmt(v) : v});
      })));
    });
    return t;
  }

  function section(title, children) { return el("section", {}, [el("h2", {text: title})].concat(children)); }

  function stat(g, d, name) { var k = g.stats.indexOf(name); return k < 0 ? null : d.s[k]; }

  function summary(g, d) {
    var names = ["excess_corr", "mean_corr", "mean_baseline", "max_corr", "min_corr", "is_universal", "dead", "act_freq"];
    var rows = names.filter(function (n) { return g.stats.indexOf(n) >= 0; }).map(function (n) {
      var v = stat(g, d, n);
      return [n, n === "is_universal" || n === "dead" ? (v ? "yes" : "no") : v];
    });
    return section("Universality", [table(rows, ["quantity", "value"])]);
  }

  function partners(g, d) {
    var rows = g.partners.map(function (p, k) {
      var q = d.p[k], name = q[0] + "." + q[1];
      var cell = p.group ? el("a", {href: neuronHref(p.group, q[0], q[1]), text: name}) : name;
      return [p.model, cell, q[2], q[3]];
    });
    return section("Partner neurons in the other models", [
      el("p", {"class": "note", text: "For each other model, its neuron most correlated with this one over the "
        + "analysed tokens and that correlation; the baseline is the highest correlation with that model's "
        + "randomly rotated neurons. Linked where that model has a neuron table."}),
      rows.length ? table(rows, ["model", "partner", "corr", "baseline"]) : el("p", {"class": "note", text: "No partner columns."})]);
  }

  /** The pre-activation histogram: the paper's 257 bins over 256 edges from -10 to 15, empty ends trimmed. */
  function histogram(g, d) {
    if (!d.h) {
      return section("Activation histogram", [el("p", {"class": "note", text: g.has.histogram
        ? "No token was counted for this neuron." : "No statistics file for this group."})]);
    }
    var first = d.h[0], counts = d.h.slice(1), edges = meta.histEdges, total = 0, max = 0;
    counts.forEach(function (c) { total += c; max = Math.max(max, c); });
    var W = 560, H = 180, pad = 30, bw = (W - 2 * pad) / Math.max(1, counts.length), ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "hist");
    svg.setAttribute("width", W);
    svg.setAttribute("height", H + 36);
    function add(tag, attrs, text) {
      var e = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) { e.textContent = text; }
      svg.appendChild(e);
      return e;
    }
    counts.forEach(function (c, k) {
      var h = max ? (H - 10) * c / max : 0;
      var bar = add("rect", {x: pad + k * bw, y: H - h, width: Math.max(1, bw - 0.5), height: h});
      var b = first + k, lo = b === 0 ? "-inf" : fmt(edges[b - 1]), hi = b >= edges.length ? "inf" : fmt(edges[b]);
      var tip = document.createElementNS(ns, "title");
      tip.textContent = "[" + lo + ", " + hi + "): " + c;
      bar.appendChild(tip);
    });
    add("line", {x1: pad, y1: H, x2: W - pad, y2: H, "class": "axis"});
    var zero = edges.findIndex(function (e) { return e >= 0; }) + 1 - first;
    if (zero >= 0 && zero <= counts.length) { add("line", {x1: pad + zero * bw, y1: 0, x2: pad + zero * bw, y2: H, "class": "zero"}); }
    var lo = first === 0 ? edges[0] : edges[first - 1], hi = edges[Math.min(edges.length - 1, first + counts.length - 1)];
    add("text", {x: pad, y: H + 14}, fmt(lo));
    add("text", {x: W - pad, y: H + 14, "text-anchor": "end"}, fmt(hi));
    add("text", {x: W / 2, y: H + 30, "text-anchor": "middle"}, "pre-activation (dashed: 0)");
    return section("Activation histogram", [svg, el("p", {"class": "note", text: total + " tokens; the tallest bin has "
      + max + ". Bins as the paper's: 256 edges from -10 to 15."})]);
  }

  function visible(s) { return s.replace(/\n/g, "↵\n"); }

  function contexts(g, d) {
    if (!d.c) {
      return section("Top-activating contexts", [el("p", {"class": "note", text: "No statistics file for this group."})]);
    }
    var items = d.c.map(function (c) {
      var where = (g.shards[c[6]] || "?") + ", sequence " + c[4] + ", position " + c[5];
      return el("div", {"class": "ctx", title: where}, [el("span", {"class": "act", text: fmt(c[0])}),
        visible(c[1]), el("mark", {text: visible(c[2])}), visible(c[3])]);
    });
    return section("Top-activating contexts", items.length ? items
      : [el("p", {"class": "note", text: "No context: the shards were not given, or no token activated it."})]);
  }

  function tokens(g, d) {
    if (!d.t) {
      return section("Output tokens", [el("p", {"class": "note", text: "No top tokens for this model (weights task not run, or an earlier version)."})]);
    }
    function list(rows) { return table(rows.map(function (r) { return [el("span", {"class": "tok", text: r[1]}), r[2], String(r[0])]; }), ["token", "W_U·w_out", "id"]); }
    return section("Output tokens", [el("p", {"class": "note", text: "Tokens whose logits this neuron's output raises "
      + "and lowers most per unit of activation (processed weights)."}), el("div", {"class": "cols"}, [
      el("div", {}, [el("h3", {text: "Raised"}), list(d.t)]), el("div", {}, [el("h3", {text: "Lowered"}), list(d.b)])])]);
  }

  function family(g, d) {
    if (!d.f) {
      return section("Family", [el("p", {"class": "note", text: g.has.families
        ? "Not among the neurons the families task explained." : "Families were not computed for this group."})]);
    }
    var f = d.f, rows = [["family", f.family], ["family feature", f.family_feature || "–"], ["best feature", f.best_feature],
      ["best VR", f.best_vr], ["runner-up", f.runner_up], ["runner-up VR", f.runner_up_vr], ["cluster", f.cluster],
      ["duplicates", f.duplicates], ["position MI", f.position_mi], ["position std", f.position_std], ["kurtosis", f.kurtosis]];
    var toks = table(f.tokens.map(function (t) { return [el("span", {"class": "tok", text: t[0]}), t[1], t[2]]; }),
      ["token", "mean activation", "count"]);
    return section("Family", [table(rows, ["", ""]), el("h3", {text: "Tokens of highest mean activation"}), toks]);
  }

  function roles(g, d) {
    if (!d.r) {
      return section("Role", [el("p", {"class": "note", text: "Roles were not computed for this model."})]);
    }
    var rows = Object.keys(d.r).map(function (k) {
      var v = d.r[k];
      return [k, typeof v === "boolean" ? (v ? "yes" : "no") : v === null ? "–" : v];
    });
    return section("Role (from the weights)", [table(rows, ["quantity", "value"])]);
  }

  function statistics(g, d) {
    return section("All columns of the neuron table", [table(g.stats.map(function (n, k) { return [n, d.s[k]]; }),
      ["column", "value"])]);
  }

  function renderNeuron(g, l, n, d) {
    var content = byId("content"), universal = stat(g, d, "is_universal");
    document.title = g.label + " " + l + "." + n + ": neuron browser";
    byId("title").textContent = "Neuron " + l + "." + n;
    if (universal) { byId("title").appendChild(el("span", {"class": "tag", text: "universal"})); }
    byId("crumb").textContent = g.label + " " + l + "." + n;
    byId("sub").textContent = "Group " + g.label + (g.model ? ", model " + g.model : "") + ", layer " + l + ", neuron " + n;
    byId("back").setAttribute("href", "index.html#" + encodeURIComponent(g.label));
    var i = l * g.dMlp + n, last = g.nLayers * g.dMlp - 1;
    byId("prev").setAttribute("href", i > 0 ? neuronHref(g.label, Math.floor((i - 1) / g.dMlp), (i - 1) % g.dMlp) : "#");
    byId("next").setAttribute("href", i < last ? neuronHref(g.label, Math.floor((i + 1) / g.dMlp), (i + 1) % g.dMlp) : "#");
    content.textContent = "";
    [el("div", {"class": "cols"}, [summary(g, d), partners(g, d)]), histogram(g, d), contexts(g, d), tokens(g, d),
      el("div", {"class": "cols"}, [family(g, d), roles(g, d)]), statistics(g, d)].forEach(function (s) { content.appendChild(s); });
    content.setAttribute("data-neuron", g.label + "/" + l + "/" + n);
  }

  function showNeuron() {
    var parts = location.hash.slice(1).split("/").map(decodeURIComponent);
    var g = group(parts[0]), l = Number(parts[1]), n = Number(parts[2]);
    if (!g || !(l >= 0 && l < g.nLayers && n >= 0 && n < g.dMlp) || parts.length !== 3 || !/^\d+$/.test(parts[1] + parts[2])) {
      showError("content", "No neuron '" + location.hash.slice(1) + "': expected neuron.html#GROUP/LAYER/NEURON with a group of "
        + meta.groups.map(function (x) { return x.label; }).join(", ") + ".");
      return Promise.resolve(null);
    }
    var c = Math.floor(n / meta.chunk), key = g.label + "/" + l + "/" + c;
    var ready = detailData[key] ? Promise.resolve()
      : load("data/" + encodeURIComponent(g.label) + "/" + l + "-" + c + ".js");
    return ready.then(function () {
      var d = detailData[key][n - c * meta.chunk];
      if (!d) { showError("content", "Neuron " + l + "." + n + " is not in " + g.label + "'s table."); return null; }
      renderNeuron(g, l, n, d);
      return d;
    }).catch(function (e) { showError("content", e.message); return null; });
  }

  function neuronPage() {
    if (!meta) { showError("content", "data/meta.js is missing or damaged: the browser has no data."); return null; }
    window.addEventListener("hashchange", function () { UN.ready = showNeuron(); });
    UN.ready = showNeuron();
    return UN.ready;
  }

  return {
    meta: function (m) { meta = m; },
    index: function (g, l, d) { indexData[g + "/" + l] = d; },
    detail: function (g, l, c, d) { detailData[g + "/" + l + "/" + c] = d; },
    indexPage: indexPage,
    neuronPage: neuronPage,
    fmt: fmt,
    ready: null
  };
})();
