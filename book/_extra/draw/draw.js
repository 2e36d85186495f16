/* The book's "draw a digit" page: a canvas, its MNIST-style 28×28 image, and every network's
   outputs, computed here in plain JavaScript from the weights python -m nnlib.export wrote.

   Nothing is fetched from elsewhere: networks.js (the manifest) names the network files and the
   sample images, and each is a <script> that hands its data to nnlibDraw.addNetwork / addSamples.
   The preprocessing mirrors nnlib/drawing.py step for step, and the forward passes mirror nnlib's
   MLP, RecursiveNet and RNN; tests/test_draw_page.py checks both against nnlib in Chromium. */
(function () {
  "use strict";

  var FIELD = 28, BOX = 20, PEN = 22;
  // The folder of this script: the other files lie beside it.
  var BASE = document.currentScript ? document.currentScript.src.replace(/[^/]*$/, "") : "draw/";
  var D = window.nnlibDraw = window.nnlibDraw || {};
  D.networks = [];       // loaded networks, in the manifest's order
  D.samples = null;      // {indices, labels, images: [Float64Array(784)]}
  D.manifest = null;
  D.state = {input: new Float64Array(FIELD * FIELD), outputs: {}, source: "empty", sample: null, updates: 0};

  // ---------------------------------------------------------------- decoding the static files
  function decode(spec) {
    var bin = atob(spec.data), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    if (spec.dtype === "u1") return bytes;
    if (spec.dtype !== "<f4") throw new Error("unknown array type " + spec.dtype);
    return new Float32Array(bytes.buffer);  // little-endian, as every browser's typed arrays
  }

  // ---------------------------------------------------------------- drawing → MNIST-style image
  // Area-average resampling weights along one axis (nnlib.drawing.area_matrix), row-major.
  function areaMatrix(nOut, nIn) {
    var step = nIn / nOut, A = new Float64Array(nOut * nIn);
    for (var i = 0; i < nOut; i++) {
      var lo = i * step, hi = (i + 1) * step;
      for (var j = Math.floor(lo); j < Math.min(nIn, Math.ceil(hi)); j++) {
        A[i * nIn + j] = (Math.min(hi, j + 1) - Math.max(lo, j)) / step;
      }
    }
    return A;
  }

  // ink: H·W values in [0, 1], row-major → Float64Array(784) (nnlib.drawing.mnist_style).
  function mnistStyle(ink, H, W) {
    var out = new Float64Array(FIELD * FIELD), r0 = -1, r1 = -1, c0 = W, c1 = -1, y, x, i, j;
    for (y = 0; y < H; y++) {
      for (x = 0; x < W; x++) {
        if (ink[y * W + x] > 0) {
          if (r0 < 0) r0 = y;
          r1 = y;
          if (x < c0) c0 = x;
          if (x > c1) c1 = x;
        }
      }
    }
    if (r0 < 0) return out;
    var h = r1 - r0 + 1, w = c1 - c0 + 1, scale = BOX / Math.max(h, w);
    var oh = Math.max(1, Math.floor(h * scale + 0.5)), ow = Math.max(1, Math.floor(w * scale + 0.5));
    var Ar = areaMatrix(oh, h), Ac = areaMatrix(ow, w);
    var tmp = new Float64Array(oh * w);  // Ar @ crop
    for (i = 0; i < oh; i++) {
      for (y = 0; y < h; y++) {
        var a = Ar[i * h + y];
        if (a === 0) continue;
        for (x = 0; x < w; x++) tmp[i * w + x] += a * ink[(r0 + y) * W + c0 + x];
      }
    }
    var patch = new Float64Array(oh * ow);  // (Ar @ crop) @ Acᵀ
    for (i = 0; i < oh; i++) {
      for (j = 0; j < ow; j++) {
        var s = 0;
        for (x = 0; x < w; x++) s += tmp[i * w + x] * Ac[j * w + x];
        patch[i * ow + j] = s;
      }
    }
    var total = 0, my = 0, mx = 0;
    for (i = 0; i < oh; i++) {
      var row = 0;
      for (j = 0; j < ow; j++) row += patch[i * ow + j];
      total += row;
      my += row * i;
    }
    for (j = 0; j < ow; j++) {
      var col = 0;
      for (i = 0; i < oh; i++) col += patch[i * ow + j];
      mx += col * j;
    }
    var cy = my / total, cx = mx / total;
    var top = Math.min(Math.max(Math.floor(FIELD / 2 - cy + 0.5), 0), FIELD - oh);
    var left = Math.min(Math.max(Math.floor(FIELD / 2 - cx + 0.5), 0), FIELD - ow);
    for (i = 0; i < oh; i++) {
      for (j = 0; j < ow; j++) out[(top + i) * FIELD + left + j] = Math.min(1, Math.max(0, patch[i * ow + j]));
    }
    return out;
  }

  // ---------------------------------------------------------------- network inputs
  // The 28×28 image → the network's input, as nnlib.experiments.prepare_data makes it.
  function modelInput(spec, img) {
    var kind = spec.kind, t, r, c, v;
    if (kind === "pixels") return img;
    if (spec.kernels) {  // each kernel's response on each disjoint block, and the pixels
      var K = spec.kernelArray, n = spec.kernels.shape[0], kh = spec.kernels.shape[1], kw = spec.kernels.shape[2];
      var rows = FIELD / kh, cols = FIELD / kw, nf = n * rows * cols, out = new Float64Array(FIELD * FIELD + nf);
      var off = spec.features_first ? 0 : FIELD * FIELD;
      out.set(img, spec.features_first ? nf : 0);
      for (var k = 0; k < n; k++) {
        for (var br = 0; br < rows; br++) {
          for (var bc = 0; bc < cols; bc++) {
            var s = 0;
            for (r = 0; r < kh; r++) {
              for (c = 0; c < kw; c++) s += K[(k * kh + r) * kw + c] * img[(br * kh + r) * FIELD + bc * kw + c];
            }
            out[off + (k * rows + br) * cols + bc] = s;
          }
        }
      }
      return out;
    }
    var steps = [];
    if (kind === "column_windows") {  // step t: columns 3t…3t+2 of every row (column 27 dropped)
      for (t = 0; t < 9; t++) {
        v = new Float64Array(84);
        for (r = 0; r < FIELD; r++) for (c = 0; c < 3; c++) v[r * 3 + c] = img[r * FIELD + 3 * t + c];
        steps.push(v);
      }
      return steps;
    }
    if (kind === "row_windows") {  // step t: rows 3t…3t+2 (row 27 dropped)
      for (t = 0; t < 9; t++) steps.push(img.slice(3 * t * FIELD, (3 * t + 3) * FIELD));
      return steps;
    }
    throw new Error("unknown input " + kind);
  }

  // ---------------------------------------------------------------- forward passes
  // z = x W + b with W of shape (nIn, nOut), row-major (nnlib's layout for one replica).
  function dense(x, W, b) {
    var nOut = b.length, z = new Float64Array(nOut), i, j;
    for (j = 0; j < nOut; j++) z[j] = b[j];
    for (i = 0; i < x.length; i++) {
      var xi = x[i];
      if (xi === 0) continue;
      var off = i * nOut;
      for (j = 0; j < nOut; j++) z[j] += xi * W[off + j];
    }
    return z;
  }

  function activate(z, act) {
    var name = act.name, n = z.length, a = new Float64Array(n), i;
    if (name === "softmax") {
      var m = -Infinity, s = 0;
      for (i = 0; i < n; i++) m = Math.max(m, z[i]);
      for (i = 0; i < n; i++) { a[i] = Math.exp(z[i] - m); s += a[i]; }
      for (i = 0; i < n; i++) a[i] /= s;
      return a;
    }
    for (i = 0; i < n; i++) {
      var v = z[i];
      if (name === "sigmoid") a[i] = 1 / (1 + Math.exp(-v));
      else if (name === "tanh") a[i] = Math.tanh(v);
      else if (name === "relu" || name === "relu_leaky_backward") a[i] = v > 0 ? v : 0;
      else if (name === "leaky_relu") a[i] = v > 0 ? v : act.alpha * v;
      else if (name === "linear") a[i] = v;
      else throw new Error("unknown activation " + name);
    }
    return a;
  }

  function forward(net, img) {
    var A = net.arrays, cfg = net.config, x = modelInput(net.input, img), l, h, t;
    if (net["class"] === "MLP") {
      var n = cfg.layer_sizes.length - 1;
      for (l = 0; l < n; l++) {
        var act = l < n - 1 ? cfg.activation[l] : cfg.output_activation;
        x = activate(dense(x, A["layer" + l + ".W"], A["layer" + l + ".b"]), act);
      }
      return x;
    }
    if (net["class"] === "RecursiveNet") {  // h0 = relu(x W_in + b_in); h_t = [h_{t-1} +] relu(h_{t-1} W_r + b_r)
      h = activate(dense(x, A.W_in, A.b_in), {name: "relu"});
      for (t = 0; t < cfg.depth; t++) {
        var r = activate(dense(h, A.W_r, A.b_r), {name: "relu"});
        if (cfg.residual) for (var i = 0; i < h.length; i++) r[i] += h[i];
        h = r;
      }
      return activate(dense(h, A.W_out, A.b_out), {name: "softmax"});
    }
    if (net["class"] === "RNN") {  // per layer h_t = tanh(x_t W_ih + b_ih + h_{t-1} W_hh + b_hh), h_{-1} = 0
      var seq = x;
      for (l = 0; l < cfg.n_layers; l++) {
        var out = [];
        h = new Float64Array(cfg.hidden);
        for (t = 0; t < seq.length; t++) {
          var zi = dense(seq[t], A["W_ih" + l], A["b_ih" + l]), zh = dense(h, A["W_hh" + l], A["b_hh" + l]);
          for (var k = 0; k < zi.length; k++) zi[k] += zh[k];
          h = activate(zi, {name: "tanh"});
          out.push(h);
        }
        seq = out;
      }
      return activate(dense(seq[seq.length - 1], A.W_out, A.b_out), {name: "softmax"});
    }
    throw new Error("unknown network class " + net["class"]);
  }

  // Every loaded network on one 28×28 image: {key: Float64Array(10)}.
  function evaluate(img) {
    var res = {};
    D.networks.forEach(function (net) { res[net.key] = forward(net, img); });
    return res;
  }

  function argmax(a) {
    var best = 0;
    for (var i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
    return best;
  }

  // ---------------------------------------------------------------- what the static files call
  D.setManifest = function (m) { D.manifest = m; };
  D.addNetwork = function (p) {
    var arrays = {};
    Object.keys(p.arrays).forEach(function (k) { arrays[k] = decode(p.arrays[k]); });
    p.arrays = arrays;
    if (p.input.kernels) p.input.kernelArray = decode(p.input.kernels);
    D._loaded[p.key] = p;
    D._arrived();
  };
  D.addSamples = function (p) {
    var bytes = decode(p.pixels), images = [];
    for (var i = 0; i < p.labels.length; i++) {
      var img = new Float64Array(FIELD * FIELD);
      for (var j = 0; j < FIELD * FIELD; j++) img[j] = bytes[i * FIELD * FIELD + j] / 255;
      images.push(img);
    }
    D.samples = {indices: p.indices, labels: p.labels, images: images, source: p.source};
    D._arrived();
  };
  D._loaded = {};
  D._waiting = 0;
  D._arrived = function () {
    D._waiting -= 1;
    if (D._waiting === 0) start();
  };
  D.mnistStyle = mnistStyle;
  D.forward = forward;
  D.evaluate = evaluate;

  // ---------------------------------------------------------------- the page
  var canvas, ctx, view, viewCtx, strokes = [], current = null, timer = null, el = {};

  function $(id) { return document.getElementById(id); }
  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pct(v) { return (100 * v).toFixed(2) + " %"; }

  function redraw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = PEN;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    strokes.forEach(function (s) {
      if (s.length === 1) {
        ctx.beginPath();
        ctx.arc(s[0][0], s[0][1], PEN / 2, 0, 2 * Math.PI);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      ctx.moveTo(s[0][0], s[0][1]);
      for (var i = 1; i < s.length; i++) ctx.lineTo(s[i][0], s[i][1]);
      ctx.stroke();
    });
  }

  // The canvas's ink: alpha / 255 of every pixel, row-major.
  function inkRaster() {
    var d = ctx.getImageData(0, 0, canvas.width, canvas.height).data, ink = new Float64Array(canvas.width * canvas.height);
    for (var i = 0; i < ink.length; i++) ink[i] = d[4 * i + 3] / 255;
    return ink;
  }
  D.inkRaster = function () { return Array.from(inkRaster()); };
  D.canvasSize = function () { return [canvas.height, canvas.width]; };

  function showInput(img) {
    var im = viewCtx.createImageData(FIELD, FIELD);
    for (var i = 0; i < FIELD * FIELD; i++) {
      var g = 255 - Math.round(255 * img[i]);
      im.data[4 * i] = im.data[4 * i + 1] = im.data[4 * i + 2] = g;
      im.data[4 * i + 3] = 255;
    }
    viewCtx.putImageData(im, 0, 0);
  }

  function showOutputs(outputs) {
    D.networks.forEach(function (net) {
      var o = outputs[net.key], row = el.rows[net.key], guess = argmax(o);
      var empty = D.state.source === "empty";
      row.guess.textContent = empty ? "–" : String(guess);
      for (var d = 0; d < 10; d++) {
        var bar = row.bars[d];
        bar.fill.style.height = (empty ? 0 : 100 * o[d]).toFixed(1) + "%";
        bar.box.className = "nnd-bar" + (!empty && d === guess ? " nnd-top" : "");
        bar.box.title = d + ": " + o[d].toFixed(4);
        bar.box.setAttribute("data-p", String(o[d]));
      }
    });
  }

  function update() {
    timer = null;
    var img = D.state.source === "sample" ? D.samples.images[D.state.sample] :
      (strokes.length ? mnistStyle(inkRaster(), canvas.height, canvas.width) : new Float64Array(FIELD * FIELD));
    if (D.state.source !== "sample") D.state.source = strokes.length ? "drawing" : "empty";
    D.state.input = img;
    D.state.outputs = evaluate(img);
    showInput(img);
    showOutputs(D.state.outputs);
    el.caption.textContent = D.state.source === "sample" ?
      "MNIST test image #" + D.samples.indices[D.state.sample] + " (label " + D.samples.labels[D.state.sample] + ")" :
      (D.state.source === "drawing" ? "your drawing, as the networks see it" : "draw a digit on the left");
    D.state.updates += 1;
  }
  function schedule() { if (timer === null) timer = setTimeout(update, 0); }
  D.flush = function () { if (timer !== null) { clearTimeout(timer); update(); } return D.state.updates; };

  function point(ev) {
    var r = canvas.getBoundingClientRect();
    return [(ev.clientX - r.left) * canvas.width / r.width, (ev.clientY - r.top) * canvas.height / r.height];
  }
  function leaveSample() {
    if (D.state.source === "sample") { D.state.source = "empty"; D.state.sample = null; strokes = []; }
  }

  D.showSample = function (i) {
    strokes = [];
    D.state.source = "sample";
    D.state.sample = i;
    var img = D.samples.images[i], im = ctx.createImageData(FIELD, FIELD);
    for (var j = 0; j < FIELD * FIELD; j++) im.data[4 * j + 3] = Math.round(255 * img[j]);
    var small = document.createElement("canvas");
    small.width = small.height = FIELD;
    small.getContext("2d").putImageData(im, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    schedule();
  };
  D.clear = function () { leaveSample(); strokes = []; redraw(); schedule(); };
  D.undo = function () { leaveSample(); strokes.pop(); redraw(); schedule(); };

  // Sample indices that a network gets wrong (computed here, with the page's own forward pass).
  function wrongFor(key) {
    var net = D.networks.filter(function (n) { return n.key === key; })[0], wrong = [];
    D.samples.images.forEach(function (img, i) {
      if (argmax(forward(net, img)) !== D.samples.labels[i]) wrong.push(i);
    });
    return wrong;
  }
  D.wrongFor = wrongFor;

  function buildControls() {
    var box = $("nnd-buttons");
    var rnd = make("button", "nnd-button", "Show me a random test image");
    rnd.id = "nnd-random";
    rnd.onclick = function () { D.showSample(Math.floor(Math.random() * D.samples.labels.length)); };
    box.appendChild(rnd);
    var sel = make("select", "nnd-select");
    sel.id = "nnd-wrong-net";
    D.networks.forEach(function (net) {
      var o = make("option", null, net.title);
      o.value = net.key;
      sel.appendChild(o);
    });
    var wrong = make("button", "nnd-button", "Show me one it gets wrong:");
    wrong.id = "nnd-wrong";
    var note = make("span", "nnd-note");
    wrong.onclick = function () {
      var w = wrongFor(sel.value);
      if (!w.length) { note.textContent = "it gets every shipped test image right"; return; }
      note.textContent = w.length + " of the " + D.samples.labels.length + " shipped test images are wrong for it";
      D.showSample(w[Math.floor(Math.random() * w.length)]);
    };
    box.appendChild(wrong);
    box.appendChild(sel);
    box.appendChild(note);
  }

  function buildBars() {
    var box = $("nnd-outputs");
    el.rows = {};
    D.networks.forEach(function (net) {
      var row = make("div", "nnd-net"), head = make("div", "nnd-head");
      var out = net["class"] === "MLP" ? net.config.output_activation.name : "softmax";
      head.appendChild(make("span", "nnd-title", net.title));
      var guess = make("span", "nnd-guess", "–");
      guess.setAttribute("aria-label", "prediction");
      head.appendChild(guess);
      row.appendChild(head);
      var bars = make("div", "nnd-bars"), cells = [];
      for (var d = 0; d < 10; d++) {
        var b = make("div", "nnd-bar"), fill = make("div", "nnd-fill");
        b.appendChild(fill);
        b.appendChild(make("span", "nnd-digit", String(d)));
        bars.appendChild(b);
        cells.push({box: b, fill: fill});
      }
      row.appendChild(bars);
      row.appendChild(make("div", "nnd-sub", "study " + net.about.study + " · " +
        (out === "softmax" ? "softmax probabilities" : out + " outputs (they need not sum to 1)") +
        " · " + accuracyText(net.about)));
      row.setAttribute("data-key", net.key);
      box.appendChild(row);
      el.rows[net.key] = {guess: guess, bars: cells};
    });
  }

  function buildTally() {
    var box = $("nnd-tally");
    if (!box) return;
    var counts = {}, n = 0;
    D.networks.forEach(function (net) { counts[net.key] = 0; });
    var buttons = make("div", "nnd-digits");
    buttons.appendChild(make("span", null, "I drew a "));
    var table = make("table", "nnd-table");
    function render() {
      table.innerHTML = "";
      var head = make("tr");
      ["network", "read correctly", "of"].forEach(function (t) { head.appendChild(make("th", null, t)); });
      table.appendChild(head);
      D.networks.forEach(function (net) {
        var tr = make("tr");
        tr.appendChild(make("td", null, net.title));
        tr.appendChild(make("td", null, String(counts[net.key])));
        tr.appendChild(make("td", null, String(n)));
        table.appendChild(tr);
      });
    }
    for (var d = 0; d < 10; d++) {
      (function (digit) {
        var b = make("button", "nnd-button nnd-small", String(digit));
        b.onclick = function () {
          if (D.state.source !== "drawing") return;
          D.flush();
          n += 1;
          D.networks.forEach(function (net) { if (argmax(D.state.outputs[net.key]) === digit) counts[net.key] += 1; });
          render();
          D.clear();
        };
        buttons.appendChild(b);
      })(d);
    }
    box.appendChild(buttons);
    box.appendChild(table);
    render();
  }

  // A network trained on the test images too (split "all", c2_mod2) has no test accuracy: its
  // accuracy on those images is said to be that, never called a test accuracy.
  function accuracyText(a) {
    if (a.split === "all") return pct(a.test_accuracy) + " on the test images, which it trained on (not a test accuracy)";
    return "test accuracy " + pct(a.test_accuracy);
  }

  function buildAbout() {
    var box = $("nnd-about");
    // Two tables, so that each fits the page's column: what each network is, then how it was
    // trained again and from which record (long paths and codes may break anywhere).
    function table(columns, cells, codes) {
      var t = make("table", "nnd-table"), head = make("tr");
      columns.forEach(function (c) { head.appendChild(make("th", null, c)); });
      t.appendChild(head);
      D.networks.forEach(function (net) {
        var tr = make("tr");
        cells(net).forEach(function (text, i) {
          tr.appendChild(make("td", codes.indexOf(i) >= 0 ? "nnd-code" : null, text));
        });
        t.appendChild(tr);
      });
      box.appendChild(t);
    }
    table(["network", "study", "chosen", "seed", "accuracy on the test images", "parameters"], function (net) {
      var a = net.about;
      return [net.title, a.study, a.chosen, String(a.seed),
        pct(a.test_accuracy) + (a.split === "all" ? " (it trained on them: not a test accuracy)" : ""),
        a.n_parameters.toLocaleString("en")];
    }, []);
    table(["network", "training", "record", "code"], function (net) {
      var a = net.about, opt = a.optimizer || {};
      var training = a.epochs + " epochs, batch " + a.batch_size + ", " + (opt.name || "") +
        (opt.lr !== undefined ? " η = " + opt.lr : "") + (a.augment ? ", augmented data" : "") +
        (a.input !== "pixels" ? ", input " + a.input : "") + "; " + a.retrained;
      return [net.title, training, a.record, a.code_fingerprint];
    }, [2, 3]);
    var missing = D.manifest.missing || [];
    var p = make("p", "nnd-missing");
    if (!missing.length) p.textContent = "Every network the page is meant to show is here.";
    else {
      p.appendChild(make("strong", null, "Not on this page yet: "));
      var ul = make("ul");
      missing.forEach(function (m) { ul.appendChild(make("li", null, m.title + " (study " + m.study + "): " + m.reason)); });
      p.appendChild(ul);
    }
    box.appendChild(p);
    var s = make("p", "nnd-sub", "Profile " + D.manifest.profile + "; " + D.samples.labels.length + " " +
      D.samples.source + " images shipped with the page; files written by " + D.manifest.generator + ".");
    box.appendChild(s);
  }

  function start() {
    D.networks = D.manifest.networks.map(function (n) { return D._loaded[n.key]; });
    canvas = $("nnd-canvas");
    ctx = canvas.getContext("2d", {willReadFrequently: true});
    view = $("nnd-view");
    viewCtx = view.getContext("2d");
    el.caption = $("nnd-caption");
    buildBars();
    buildControls();
    buildTally();
    buildAbout();
    canvas.addEventListener("pointerdown", function (ev) {
      ev.preventDefault();
      leaveSample();
      canvas.setPointerCapture(ev.pointerId);
      current = [point(ev)];
      strokes.push(current);
      redraw();
      schedule();
    });
    canvas.addEventListener("pointermove", function (ev) {
      if (!current) return;
      ev.preventDefault();
      current.push(point(ev));
      redraw();
      schedule();
    });
    function end() { current = null; }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    $("nnd-clear").onclick = D.clear;
    $("nnd-undo").onclick = D.undo;
    $("nnd-status").textContent = D.networks.length + (D.networks.length === 1 ? " network" : " networks") + " loaded";
    update();
    D.ready = true;
  }

  // Load the manifest's network files and the samples, each with its own <script> tag.
  function load() {
    function add() {
      if (!D.manifest) { $("nnd-status").textContent = "networks.js is missing: run make draw-export"; return; }
      var files = D.manifest.networks.map(function (n) { return n.file; }).concat([D.manifest.samples]);
      D._waiting = files.length;
      files.forEach(function (f) {
        var s = document.createElement("script");
        s.src = BASE + f;
        s.onerror = function () { $("nnd-status").textContent = "could not load " + f; };
        document.head.appendChild(s);
      });
    }
    var m = document.createElement("script");
    m.src = BASE + "networks.js";
    m.onload = add;
    m.onerror = add;
    document.head.appendChild(m);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
}());
