// Draws the report's charts from the page data with uPlot. Every section is
// drawn the same way, so observer sections need no code here.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("statebench-data").textContent);
  // One colour family per run, shades for the percentiles of one run.
  var families = [
    ["#0b4f9c", "#1f77b4", "#4a9be0", "#7fb8ea", "#a9cff2"],
    ["#a14400", "#ff7f0e", "#ffa04d", "#ffbf85", "#ffd9b5"],
    ["#145a14", "#2ca02c", "#5cc45c", "#8ed88e", "#bce9bc"],
    ["#8b1516", "#d62728", "#e86061", "#f19798", "#f7c3c3"],
    ["#4c2d73", "#9467bd", "#b08fd1", "#cbb5e2", "#e1d4ef"],
    ["#5a3a31", "#8c564b", "#b07f74", "#cca79f", "#e2cdc8"]
  ];
  function colour(run, shade) {
    var f = families[run % families.length];
    return f[Math.min(shade, f.length - 1)];
  }
  function pctLabel(x) {
    var p = (1 - 1 / x) * 100;
    if (p <= 0) return "0%";
    var s = p.toPrecision(Math.max(2, Math.ceil(Math.log10(x)) + 1));
    return parseFloat(s) + "%";
  }
  // Events as vertical lines with their kind written at the top.
  function markersPlugin(markers) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          ctx.font = (10 * devicePixelRatio) + "px sans-serif";
          markers.forEach(function (m) {
            var x = u.valToPos(m.x, "x", true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = colour(m.run, 0);
            ctx.globalAlpha = 0.6;
            ctx.setLineDash([4, 4]);
            ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
            ctx.globalAlpha = 1;
            ctx.fillStyle = colour(m.run, 0);
            ctx.fillText(m.kind + (m.label ? ": " + m.label : ""), x + 3, top + 12 * devicePixelRatio);
          });
          ctx.restore();
        }]
      }
    };
  }
  function draw(chart, parent) {
    var div = document.createElement("div");
    div.className = "chart";
    div.id = "chart-" + chart.id;
    parent.appendChild(div);
    var pct = chart.x_kind === "percentile";
    var series = [{ label: chart.x_label, value: pct ? function (u, v) { return v == null ? "-" : pctLabel(v); } : undefined }];
    chart.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: colour(s.run, s.shade),
        width: 1.5,
        dash: s.dashed ? [6, 4] : undefined,
        spanGaps: false,
        points: { show: false }
      });
    });
    var opts = {
      title: chart.title,
      width: Math.max(400, parent.clientWidth || 1100),
      height: 320,
      scales: {
        x: { time: false, distr: pct ? 3 : 1 },
        y: { distr: chart.log_y ? 3 : 1 }
      },
      axes: [
        pct ? {
          label: chart.x_label,
          // One tick a decade of 1/(1-p): 0%, 90%, 99%, 99.9%...
          splits: function (u) {
            var out = [];
            for (var x = 1; x <= u.scales.x.max * 1.0001; x *= 10) out.push(x);
            return out;
          },
          values: function (u, vals) { return vals.map(pctLabel); }
        } : { label: chart.x_label },
        { label: chart.y_label, size: 70 }
      ],
      series: series,
      // The time charts, client and host, share the run clock: hovering
      // one shows the same moment on all of them.
      cursor: pct ? {} : { sync: { key: "time" } },
      plugins: chart.markers && chart.markers.length ? [markersPlugin(chart.markers)] : []
    };
    var cols = [chart.x];
    chart.series.forEach(function (s) { cols.push(s.y); });
    if (chart.series.length === 0) {
      div.textContent = chart.title + ": no data";
      return;
    }
    new uPlot(opts, cols, div);
  }
  document.querySelectorAll(".section").forEach(function (el) {
    var s = data.sections[+el.getAttribute("data-section")];
    (s.charts || []).forEach(function (c) { draw(c, el); });
  });
  document.body.setAttribute("data-charts-drawn", document.querySelectorAll(".uplot").length);
})();
