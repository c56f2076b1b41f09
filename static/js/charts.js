// Charts drawn with the vendored Chart.js, wired by data- attributes (no inline script):
//   data-category-chart="ID"  canvas; ID names a json_script of [{label, count}], drawn as bars

function setUpCategoryChart(canvas) {
  const source = document.getElementById(canvas.dataset.categoryChart);
  if (!window.Chart || !source) return;
  const rows = JSON.parse(source.textContent);
  const styles = getComputedStyle(document.documentElement);
  const accent = styles.getPropertyValue("--accent").trim() || "#1d5fb4";
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((row) => row.label),
      datasets: [{ data: rows.map((row) => row.count), backgroundColor: accent, borderRadius: 3 }],
    },
    options: {
      indexAxis: "y",
      locale: document.documentElement.lang || "en",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } },
    },
  });
}

document.querySelectorAll("canvas[data-category-chart]").forEach(setUpCategoryChart);
