// The dashboard's charts, from the numbers the page was rendered with (#dashboard-data).
(function () {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const OUTCOME_COLOURS = {
    ok: "#3a9a5b", invalid_request_error: "#e0a030", authentication_error: "#8e44ad", billing_error: "#6c3483",
    permission_error: "#a569bd", not_found_error: "#95a5a6", rate_limit_error: "#d35400", timeout_error: "#c0392b",
    overloaded_error: "#e74c3c", api_error: "#922b21", client_closed: "#7f8c8d",
  };
  const TOKEN_KINDS = [
    ["input_tokens", "input"], ["output_tokens", "output"],
    ["cache_read_input_tokens", "cache read"], ["cache_creation_input_tokens", "cache write"],
  ];
  const PALETTE = ["#417690", "#79aec8", "#e0a030", "#3a9a5b", "#c0392b", "#8e44ad", "#7f8c8d", "#d35400"];
  const pad = (n) => String(n).padStart(2, "0");
  function bucketLabel(iso) {
    const at = new Date(iso);
    if (data.range === "7d") return `${at.getMonth() + 1}/${at.getDate()}`;
    return `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  }
  const labels = data.buckets.map(bucketLabel);

  // The windows' resets, in the viewer's local time and from now. The CLI's resetsAt is
  // Unix seconds; the page gets it as an ISO time, so no unit can be mistaken here.
  function localTime(at) {
    return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
  }
  function span(ms) {
    const minutes = Math.round(Math.abs(ms) / 60000), days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60), rest = minutes % 60;
    if (days) return `${days} d ${hours} h`;
    return hours ? `${hours} h ${rest} min` : `${rest} min`;
  }
  document.querySelectorAll("#usage-windows .fill").forEach((fill) => { fill.style.width = `${Math.min(100, fill.dataset.percent)}%`; });
  document.querySelectorAll("#usage-windows [data-resets-at]").forEach((element) => {
    const at = new Date(element.dataset.resetsAt), ahead = at - Date.now();
    element.textContent = ahead > 0
      ? `resets ${localTime(at)} (in ${span(ahead)})`
      : `reset ${localTime(at)} (${span(ahead)} ago); the next answer brings a new reading`;
  });
  const LIMIT_COLOURS = { allowed_warning: "#e0a030", rejected: "#c0392b" };
  const common = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } };

  function tokenLegend(chart) {
    const models = Object.keys(data.tokens.models);
    const hidden = (key, value) => chart.data.datasets.every((d, i) => d[key] !== value || !chart.isDatasetVisible(i));
    return [
      ...models.map((model, m) => ({ text: model, model, fillStyle: PALETTE[m % PALETTE.length], strokeStyle: PALETTE[m % PALETTE.length], hidden: hidden("model", model) })),
      ...TOKEN_KINDS.map(([field, kind], k) => ({ text: kind, field, fillStyle: "#417690" + ["ff", "bb", "77", "44"][k], strokeStyle: "#417690", hidden: hidden("field", field) })),
    ];
  }
  function toggleTokens(event, item, legend) {
    const chart = legend.chart, key = item.model ? "model" : "field", value = item[key];
    chart.data.datasets.forEach((d, i) => { if (d[key] === value) chart.setDatasetVisibility(i, item.hidden); });
    chart.update();
  }

  window.proxyCharts = {
    requests: new Chart(document.getElementById("requests-chart"), {
      type: "bar",
      data: {
        labels,
        datasets: Object.entries(data.requests).map(([outcome, counts]) => ({
          label: outcome === "ok" ? "ok" : outcome.replace(/_error$/, "").replace("_", " "),
          outcome, data: counts, backgroundColor: OUTCOME_COLOURS[outcome] || "#7f8c8d", stack: "requests",
        })),
      },
      options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    }),
    ttfb: new Chart(document.getElementById("ttfb-chart"), {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: "p50 ms", data: data.ttfb_ms.p50, borderColor: "#417690", backgroundColor: "#417690", spanGaps: true },
          { label: "p90 ms", data: data.ttfb_ms.p90, borderColor: "#e0a030", backgroundColor: "#e0a030", spanGaps: true },
        ],
      },
      options: { ...common, scales: { y: { beginAtZero: true, title: { display: true, text: "ms" } } } },
    }),
    limits: new Chart(document.getElementById("limits-chart"), {
      type: "bar",
      data: {
        labels,
        datasets: Object.entries(data.usage.history).map(([series, counts], n) => {
          const [window, status] = series.split(" ");
          return {
            label: `${window.replace(/_/g, " ")} ${status === "rejected" ? "refused" : "warning"}`, series, data: counts,
            backgroundColor: LIMIT_COLOURS[status] + ["ff", "99", "66"][n % 3], stack: "limits",
          };
        }),
      },
      options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    }),
    tokens: new Chart(document.getElementById("tokens-chart"), {
      type: "bar",
      data: {
        labels: data.tokens.days,
        datasets: Object.entries(data.tokens.models).flatMap(([model, sums], m) =>
          TOKEN_KINDS.map(([field, kind], k) => ({
            label: `${model} ${kind}`, model, field, data: sums[field], stack: model,
            backgroundColor: PALETTE[m % PALETTE.length] + ["ff", "bb", "77", "44"][k],
          }))),
      },
      // One legend entry per model (its colour) and per kind (its shade), not one per pair.
      options: { ...common, plugins: { legend: { position: "bottom", labels: { boxWidth: 12, generateLabels: tokenLegend }, onClick: toggleTokens } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    }),
  };
})();
