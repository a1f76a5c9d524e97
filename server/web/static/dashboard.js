// Charts of the dashboard from the figures the page carries (#chart-data). Each canvas gets
// data-ready="1" once drawn, which the browser tests wait for.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#1f6feb", "#d1242f", "#1a7f37", "#bf8700", "#8250df", "#0a7ea4", "#cf222e", "#57606a", "#e16f24", "#116329"];
  Chart.defaults.animation = false;
  Chart.defaults.font.family = "system-ui, 'DejaVu Sans', sans-serif";

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
    new Chart(canvas, config);
    canvas.setAttribute("data-ready", "1");
  }

  function bar(id, chart, horizontal) {
    if (!chart) { return; }
    draw(id, {
      type: "bar",
      data: { labels: chart.labels, datasets: [{ data: chart.values, backgroundColor: palette }] },
      options: { indexAxis: horizontal ? "y" : "x",
                 plugins: { legend: { display: false },
                            tooltip: { callbacks: { title: function (items) { return chart.titles[items[0].dataIndex]; } } } },
                 scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } } }
    });
  }

  bar("chart-content", data.content, false);
  draw("chart-status", {
    type: "doughnut",
    data: { labels: data.status.labels, datasets: [{ data: data.status.values, backgroundColor: palette }] },
    options: { plugins: { legend: { position: "right" } } }
  });
  bar("chart-organization", data.organization, true);
  fetch(data.trend_url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (trend) {
      draw("chart-trend", {
        type: "bar",
        data: {
          labels: trend.labels,
          datasets: trend.series.map(function (s, i) {
            return { label: s.label, data: s.values, backgroundColor: palette[i] };
          })
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
      });
    });
}());
