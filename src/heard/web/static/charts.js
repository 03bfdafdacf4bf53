// Draws every <figure class="chart"> from the Chart.js configuration embedded beside it.
// The configuration is built on the server (heard.web.charts); this file only adds what JSON
// cannot carry: shared defaults, tooltips naming points, and keeping interval bands out of
// legends and tooltips.
(function () {
  "use strict";

  function setDefaults() {
    var d = window.Chart.defaults;
    d.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    d.font.size = 13;
    d.color = "#1f2937";
    d.animation = false; // figures, not a show: paint at once
    d.maintainAspectRatio = false;
    d.responsive = true;
    d.plugins.legend.position = "bottom";
    d.plugins.legend.labels.filter = function (item, data) {
      return !data.datasets[item.datasetIndex].band;
    };
    d.plugins.tooltip.filter = function (item) {
      return !item.dataset.band;
    };
    d.plugins.tooltip.callbacks.afterLabel = function (item) {
      var labels = item.dataset.pointLabels;
      return labels ? labels[item.dataIndex] : "";
    };
  }

  function draw(figure) {
    if (figure.dataset.chartReady) return;
    var canvas = figure.querySelector("canvas");
    var source = figure.querySelector("script.chart-config");
    if (!canvas || !source) return;
    try {
      new window.Chart(canvas, JSON.parse(source.textContent));
      figure.dataset.chartReady = "1";
    } catch (error) {
      figure.classList.add("chart-failed");
      var note = document.createElement("p");
      note.className = "alert";
      note.textContent = "This chart could not be drawn; its data table is below.";
      figure.insertBefore(note, figure.querySelector("details"));
      figure.querySelector("details").open = true;
    }
  }

  function drawAll(root) {
    root.querySelectorAll("figure.chart").forEach(draw);
    document.body.dataset.chartsDrawnAt = String(Math.round(performance.now()));
  }

  // The dashboard's satisfaction charts come separately: first-contact resolution may still be
  // being computed, so the fragment is fetched again until it is complete.
  function loadFragment(box, attempt) {
    fetch(box.dataset.src, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        var pending = response.headers.get("X-Heard-Pending") === "1";
        return response.text().then(function (html) {
          return { html: html, pending: pending };
        });
      })
      .then(function (result) {
        // The fragment is this server's own template output, with every value escaped.
        box.innerHTML = result.html;
        drawAll(box);
        if (result.pending && attempt < 120) {
          setTimeout(function () {
            loadFragment(box, attempt + 1);
          }, Math.min(1000 + attempt * 250, 5000));
        } else {
          box.setAttribute("aria-busy", "false");
        }
      })
      .catch(function (error) {
        box.setAttribute("aria-busy", "false");
        box.innerHTML = "";
        var note = document.createElement("p");
        note.className = "alert";
        note.textContent = "The satisfaction figures could not be loaded (" + error.message + ").";
        box.appendChild(note);
      });
  }

  function start() {
    var focused = document.querySelector("[data-focus]");
    if (focused) {
      focused.scrollIntoView({ block: "center" });
      focused.focus();
    }
    if (!window.Chart) return;
    setDefaults();
    drawAll(document);
    var box = document.getElementById("satisfaction");
    if (box && box.dataset.src) loadFragment(box, 0);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
