/* Draws every chart on the page from the Vega-Lite spec embedded beside it.
 *
 * Each chart is <div class="chart" data-chart="ID"> followed by
 * <script type="application/json" id="spec-ID">. vegaEmbed comes from the one
 * local copy of the Vega bundle (assets/vega/vega-bundle.js), loaded before this
 * file; nothing is fetched from another host. A chart that cannot be drawn shows
 * a message in its box; its summary sentence and data table stay on the page.
 *
 * A page may hold a hundred charts: each is drawn only when it comes within
 * MARGIN of the screen, so the first ones appear at once. Where the browser has
 * no IntersectionObserver every chart is drawn straight away.
 */
(function () {
  "use strict";

  var FAILED = "图表无法显示，请参阅下方的文字说明和数据表。";
  var MARGIN = "200px 0px";

  function showError(el) {
    el.classList.add("chart--error");
    el.textContent = FAILED;
  }

  function specFor(el) {
    var id = el.getAttribute("data-chart");
    var script = id ? document.getElementById("spec-" + id) : null;
    if (!script) {
      return null;
    }
    return JSON.parse(script.textContent);
  }

  function draw(el) {
    var spec;
    try {
      spec = specFor(el);
    } catch (err) {
      spec = null;
    }
    if (!spec || typeof window.vegaEmbed !== "function") {
      showError(el);
      return;
    }
    try {
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).catch(function () {
        showError(el);
      });
    } catch (err) {
      showError(el);
    }
  }

  function drawAll() {
    var charts = document.querySelectorAll(".chart[data-chart]");
    var i;
    if (typeof window.IntersectionObserver !== "function") {
      for (i = 0; i < charts.length; i += 1) {
        draw(charts[i]);
      }
      return;
    }
    var observer = new window.IntersectionObserver(function (entries) {
      for (var j = 0; j < entries.length; j += 1) {
        if (entries[j].isIntersecting) {
          observer.unobserve(entries[j].target);
          draw(entries[j].target);
        }
      }
    }, { rootMargin: MARGIN });
    for (i = 0; i < charts.length; i += 1) {
      observer.observe(charts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
