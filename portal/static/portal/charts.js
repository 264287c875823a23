/* Accord's charts: draws every <canvas data-chart="ID"> from the JSON in the element #ID (written
 * by Django's json_script; the spec is described in portal/charts.py). No inline script anywhere:
 * this file runs at page load and again on each piece of content htmx swaps in. Each drawn canvas
 * gets data-chart-state="drawn" (what the browser tests wait on); its table alternative, open when
 * scripts are off, is folded under the chart once the chart is drawn.
 */
(function () {
  "use strict";

  // Dark enough for 3:1 against white (WCAG 1.4.11); lines also differ by dash and point shape.
  var COLOURS = ["#1d70b8", "#b42318", "#00703c", "#6f3fb5", "#8a5300", "#505a5f"];
  var POINTS = ["circle", "rectRot", "triangle", "rect", "star", "crossRot"];
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function colour(i) { return COLOURS[i % COLOURS.length]; }

  function translucent(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function formatter(unit) {
    return function (value) {
      if (value === null || value === undefined) { return "–"; }
      var text = (Math.round(value * 10) / 10).toLocaleString("en-GB");
      if (!unit) { return text; }
      return unit === "%" ? text + "%" : text + " " + unit;
    };
  }

  function dataset(spec, index) {
    var c = colour(spec.colour || 0);
    // span: a line drawn across the labels where the series has no value (a commitment's check-ins).
    var base = { label: spec.label, data: spec.data, borderColor: c, backgroundColor: c, spanGaps: !!spec.span };
    switch (spec.style) {
      case "target":
        return Object.assign(base, { borderDash: [6, 4], borderWidth: 2, pointRadius: 0, pointHoverRadius: 0, fill: false });
      case "band-low":
        return Object.assign(base, { borderWidth: 0, pointRadius: 0, pointHoverRadius: 0, fill: false,
                                     backgroundColor: translucent(c, 0.18) });
      case "band-high":
        // Filled down to the dataset before it (the band's low edge).
        return Object.assign(base, { borderWidth: 0, pointRadius: 0, pointHoverRadius: 0, fill: "-1",
                                     backgroundColor: translucent(c, 0.18) });
      case "forecast":
        return Object.assign(base, { showLine: false, pointRadius: 6, pointHoverRadius: 7,
                                     pointStyle: "rectRot", whiskerLow: spec.low, whiskerHigh: spec.high });
      case "bar":
        return Object.assign(base, { borderWidth: 0 });
      default:
        return Object.assign(base, { borderWidth: 3, pointRadius: 3.5, pointHoverRadius: 5,
                                     pointStyle: POINTS[index % POINTS.length], tension: 0 });
    }
  }

  // Whiskers for forecast points: the likely range, a vertical line through the point.
  var whiskers = {
    id: "accordWhiskers",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (ds, i) {
        if (!ds.whiskerLow || !chart.isDatasetVisible(i)) { return; }
        var meta = chart.getDatasetMeta(i);
        var y = chart.scales.y;
        meta.data.forEach(function (point, j) {
          var low = ds.whiskerLow[j], high = ds.whiskerHigh[j];
          if (low === null || high === null || low === undefined) { return; }
          ctx.save();
          ctx.strokeStyle = ds.borderColor;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(point.x, y.getPixelForValue(low));
          ctx.lineTo(point.x, y.getPixelForValue(high));
          ctx.moveTo(point.x - 5, y.getPixelForValue(low));
          ctx.lineTo(point.x + 5, y.getPixelForValue(low));
          ctx.moveTo(point.x - 5, y.getPixelForValue(high));
          ctx.lineTo(point.x + 5, y.getPixelForValue(high));
          ctx.stroke();
          ctx.restore();
        });
      });
    }
  };

  function config(spec) {
    var format = formatter(spec.unit);
    var horizontal = !!spec.horizontal;
    var valueAxis = { beginAtZero: spec.y && spec.y.min === 0, ticks: { callback: format, color: "#0b0c0c" },
                      grid: { color: "#d0d4d9" }, title: { display: !!(spec.y && spec.y.title), text: spec.y && spec.y.title, color: "#0b0c0c" } };
    if (spec.y && spec.y.min !== undefined && spec.y.min !== null) { valueAxis.suggestedMin = spec.y.min; }
    if (spec.y && spec.y.max !== undefined && spec.y.max !== null) { valueAxis.suggestedMax = spec.y.max; }
    var labelAxis = { ticks: { color: "#0b0c0c", autoSkip: true, maxRotation: 0 }, grid: { display: false } };
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(dataset) },
      plugins: [whiskers],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reducedMotion ? false : { duration: 300 },
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, color: "#0b0c0c",
                    filter: function (item, data) { return data.datasets[item.datasetIndex].label.indexOf("Likely lowest") !== 0; } } },
          tooltip: { callbacks: { label: function (item) {
            return item.dataset.label + ": " + format(horizontal ? item.parsed.x : item.parsed.y);
          } } }
        }
      }
    };
  }

  function draw(canvas) {
    if (canvas.getAttribute("data-chart-state")) { return; }
    var id = canvas.getAttribute("data-chart");
    var source = document.getElementById(id);
    var text = source ? source.textContent : swappedData[id];
    if (text === undefined || typeof window.Chart === "undefined") { canvas.setAttribute("data-chart-state", "failed"); return; }
    try {
      var chart = new window.Chart(canvas, config(JSON.parse(text)));
      canvas.accordChart = chart;
      canvas.setAttribute("data-chart-state", "drawn");
      var figure = canvas.closest(".chart");
      if (figure) {
        figure.classList.add("chart--drawn");
        var table = figure.querySelector("details.chart__table");
        if (table) { table.open = false; }
      }
    } catch (error) {
      canvas.setAttribute("data-chart-state", "failed");
      if (window.console) { window.console.error("Accord chart not drawn:", error); }
    }
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var canvases = scope.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) { draw(canvases[i]); }
    if (scope.matches && scope.matches("canvas[data-chart]")) { draw(scope); }
  }

  // htmx (allowScriptTags off, for the CSP) drops every <script> of swapped-in content, the
  // json_script data elements too (they never run: type application/json). Keep their text,
  // read from the response with DOMParser (which runs nothing), for the canvases swapped in.
  var swappedData = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var body = event.detail && event.detail.serverResponse;
    if (typeof body !== "string" || body.indexOf("application/json") < 0) { return; }
    var parsed = new DOMParser().parseFromString(body, "text/html");
    parsed.querySelectorAll('script[type="application/json"][id]').forEach(function (el) {
      swappedData[el.id] = el.textContent;
    });
  });

  // A chart swapped out by htmx lets go of its canvas.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var el = event.target;
    if (el && el.accordChart) { el.accordChart.destroy(); el.accordChart = null; }
  });
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
})();
