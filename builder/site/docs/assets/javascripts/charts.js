/* Draws every chart on the page from the Vega-Lite spec embedded beside it, and gives
 * each chart its share tools: download as PNG or SVG (with the chart's title, source and
 * the site's name printed on the image), a link to the chart, and an embed code.
 *
 * Each chart is <div class="chart" data-chart="ID"> followed by
 * <script type="application/json" id="spec-ID">. vegaEmbed comes from the one local copy
 * of the Vega bundle (assets/vega/vega-bundle.js), which only pages with a chart load;
 * nothing is fetched from another host. A chart that cannot be drawn shows a message in
 * its box; its summary sentence and data table stay on the page.
 *
 * A page may hold a hundred charts: each is drawn only when it comes within MARGIN of the
 * screen. Where the browser has no IntersectionObserver every chart is drawn straight away.
 */
(function () {
  "use strict";

  var FAILED = "图表无法显示，请参阅下方的文字说明和数据表。";
  var MARGIN = "200px 0px";
  var EXPORT_WIDTH = 720;

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

  /* The spec as an image shows it: a fixed width, the chart's title, and its source and the site's name. */
  function exportSpec(el, spec) {
    var copy = JSON.parse(JSON.stringify(spec));
    var lines = [];
    if (el.getAttribute("data-source")) {
      lines.push(el.getAttribute("data-source"));
    }
    if (el.getAttribute("data-site")) {
      lines.push(el.getAttribute("data-site"));
    }
    copy.width = EXPORT_WIDTH;
    copy.autosize = { type: "fit-x", contains: "padding" };
    copy.title = {
      text: el.getAttribute("data-title") || "",
      subtitle: lines,
      anchor: "start",
      fontSize: 16,
      subtitleFontSize: 12,
      subtitleColor: "#4d4d4d"
    };
    copy.background = "#ffffff";
    copy.padding = 12;
    return copy;
  }

  function saveAs(url, name) {
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
  }

  function download(el, spec, format) {
    var holder = document.createElement("div");
    holder.style.position = "absolute";
    holder.style.left = "-10000px";
    holder.style.width = EXPORT_WIDTH + "px";
    document.body.appendChild(holder);
    var name = (el.getAttribute("data-chart") || "chart") + "." + format;
    window.vegaEmbed(holder, exportSpec(el, spec), { actions: false, renderer: "svg" }).then(function (result) {
      return format === "svg"
        ? result.view.toSVG().then(function (svg) {
            return URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
          })
        : result.view.toImageURL("png", 2);
    }).then(function (url) {
      saveAs(url, name);
      document.body.removeChild(holder);
    }).catch(function () {
      document.body.removeChild(holder);
    });
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "md-button chart-button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  /* Download, link and embed, under a drawn chart (only on the site's own pages). */
  function addTools(el, spec) {
    var tools = el.parentNode.querySelector('.chart-tools[data-for="' + el.id + '"]') || el.nextElementSibling;
    while (tools && !(tools.classList && tools.classList.contains("chart-tools"))) {
      tools = tools.nextElementSibling;
    }
    if (!tools || tools.getAttribute("data-ready")) {
      return;
    }
    tools.setAttribute("data-ready", "1");
    tools.appendChild(button("下载 PNG", function () { download(el, spec, "png"); }));
    tools.appendChild(button("下载 SVG", function () { download(el, spec, "svg"); }));
    var embed = el.getAttribute("data-embed");
    if (embed) {
      var details = document.createElement("details");
      details.className = "chart-embed";
      var summary = document.createElement("summary");
      summary.textContent = "嵌入代码";
      var box = document.createElement("textarea");
      box.readOnly = true;
      box.rows = 3;
      box.setAttribute("aria-label", "嵌入本图的 HTML 代码");
      var src = new URL(embed, document.baseURI).href;
      var code = document.createElement("iframe");
      code.src = src;
      code.width = "100%";
      code.height = "460";
      code.title = el.getAttribute("data-title") || "";
      code.setAttribute("loading", "lazy");
      code.setAttribute("style", "border:0");
      box.value = code.outerHTML;
      details.appendChild(summary);
      details.appendChild(box);
      tools.appendChild(details);
    }
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
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        el.setAttribute("data-drawn", "1");
        addTools(el, spec);
      }).catch(function () {
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
