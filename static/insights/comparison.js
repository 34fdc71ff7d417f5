// Comparison page: draws the charts from the page's JSON (json_script, so the CSP needs no
// inline script), with 95% intervals as error bars, and runs the Refresh button's progress.
"use strict";

const PALETTE = ["#2954d1", "#b54708", "#107a4d", "#7a2e98", "#b42318", "#475467"];

// Error bars: for every point with a low and a high, a vertical line with caps.
const errorBars = {
  id: "errorBars",
  afterDatasetsDraw(chart) {
    const { ctx, scales } = chart;
    const y = scales.y;
    chart.data.datasets.forEach((dataset, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden || !dataset.low) return;
      ctx.save();
      ctx.strokeStyle = "#1d2330";
      ctx.lineWidth = 1.5;
      meta.data.forEach((element, j) => {
        const low = dataset.low[j], high = dataset.high[j];
        if (low === null || high === null || low === undefined || high === undefined) return;
        const x = element.x, top = y.getPixelForValue(high), bottom = y.getPixelForValue(low);
        ctx.beginPath();
        ctx.moveTo(x, top); ctx.lineTo(x, bottom);
        ctx.moveTo(x - 5, top); ctx.lineTo(x + 5, top);
        ctx.moveTo(x - 5, bottom); ctx.lineTo(x + 5, bottom);
        ctx.stroke();
      });
      ctx.restore();
    });
  },
};

function drawCharts() {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const groups = JSON.parse(source.textContent);
  const locale = document.documentElement.lang || undefined;
  for (const spec of Object.values(groups).flat()) {
    const canvas = document.getElementById(spec.id);
    if (!canvas) continue;
    const line = spec.type === "line";
    const datasets = spec.datasets.map((d, i) => ({
      label: d.label, data: d.data, low: d.low, high: d.high,
      backgroundColor: line ? PALETTE[i % PALETTE.length] : spec.labels.map((_, j) => PALETTE[j % PALETTE.length]),
      borderColor: PALETTE[i % PALETTE.length], spanGaps: true,
    }));
    const highest = Math.max(0, ...spec.datasets.flatMap((d) => [...d.data, ...d.high]).filter((v) => v !== null));
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      plugins: [errorBars],
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, locale,
        plugins: { legend: { display: line } },
        scales: { y: { beginAtZero: true, suggestedMax: highest * 1.05, title: { display: !!spec.axis, text: spec.axis } } },
      },
    });
  }
}

function followProgress(state) {
  const url = state.dataset.statusUrl;
  const box = document.getElementById("progress");
  const bar = box.querySelector("progress");
  const step = document.getElementById("progress-step");
  box.hidden = false;
  const poll = () => fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((r) => r.json())
    .then((status) => {
      bar.value = status.progress;
      if (status.step) step.textContent = status.step;
      if (status.status === "ready" || status.status === "failed") window.location.reload();
      else window.setTimeout(poll, 1000);
    })
    .catch(() => window.setTimeout(poll, 3000));
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  drawCharts();
  const state = document.getElementById("report-state");
  if (!state) return;
  if (state.dataset.active) followProgress(state);
  const form = document.getElementById("refresh-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    document.getElementById("refresh").disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(() => followProgress(state))
      .catch(() => form.submit());
  });
});
