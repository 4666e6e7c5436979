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
  const common = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } };

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
      options: { ...common, plugins: { legend: { position: "right", labels: { boxWidth: 10, font: { size: 10 } } } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    }),
  };
})();
