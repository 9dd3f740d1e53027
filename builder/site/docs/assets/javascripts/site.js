/* Fixes and additions to the theme's pages, applied on every page.
 *
 * - Tables on a phone: a table of three or more columns becomes a stack of cards below
 *   600 px, each cell labelled with its column, so every column is on screen at 375 px.
 *   Wider tables that still scroll get a visible hint, and their box is focusable and
 *   named (WCAG 2.1.1; axe "scrollable-region-focusable").
 * - The search overlay has role="dialog" but no name (axe "aria-dialog-name").
 * - Opened from disk (file://) the theme's search cannot load its index: it says so.
 * - An error report link gets the page's full address in its body.
 */
(function () {
  "use strict";

  var STACK_FROM_COLUMNS = 3;

  /* The text of the nearest heading before el, or "" if there is none. */
  function headingBefore(el) {
    for (var node = el.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) {
        return node.textContent.trim();
      }
    }
    return "";
  }

  function labelCells() {
    var tables = document.querySelectorAll(".md-typeset table");
    for (var t = 0; t < tables.length; t += 1) {
      var table = tables[t];
      if (table.hasAttribute("data-stack")) {
        continue;
      }
      var heads = table.querySelectorAll("thead th");
      if (heads.length < STACK_FROM_COLUMNS) {
        continue;
      }
      var labels = [];
      for (var h = 0; h < heads.length; h += 1) {
        labels.push(heads[h].textContent.trim());
      }
      var rows = table.querySelectorAll("tbody tr");
      for (var r = 0; r < rows.length; r += 1) {
        var cells = rows[r].children;
        for (var c = 0; c < cells.length && c < labels.length; c += 1) {
          cells[c].setAttribute("data-label", labels[c]);
        }
      }
      table.setAttribute("data-stack", "");
    }
  }

  function nameScrollBoxes() {
    var boxes = document.querySelectorAll(".md-typeset__scrollwrap");
    for (var i = 0; i < boxes.length; i += 1) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("is-scrollable", scrolls);
      if (box.hasAttribute("tabindex")) {
        continue;
      }
      var heading = headingBefore(box);
      /* Each name is unique on the page: the table's number, then its heading. */
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "表格 " + (i + 1) + (heading ? "：" + heading : "") + "（可左右滚动）");
    }
  }

  function nameDialogs() {
    var dialogs = document.querySelectorAll('[role="dialog"]:not([aria-label]):not([aria-labelledby])');
    for (var i = 0; i < dialogs.length; i += 1) {
      dialogs[i].setAttribute("aria-label", "搜索");
    }
  }

  function offlineSearch() {
    if (window.location.protocol !== "file:") {
      return;
    }
    var inputs = document.querySelectorAll(".md-search__input");
    for (var i = 0; i < inputs.length; i += 1) {
      inputs[i].disabled = true;
      inputs[i].placeholder = "从本地文件打开时无法搜索，请通过网站访问";
      inputs[i].setAttribute("aria-label", "搜索：从本地文件打开时无法搜索，请通过网站访问");
    }
  }

  function reportLinks() {
    var links = document.querySelectorAll("a[data-report]");
    for (var i = 0; i < links.length; i += 1) {
      var href = links[i].getAttribute("href");
      if (href.indexOf("mailto:") !== 0 || links[i].hasAttribute("data-filled")) {
        continue;
      }
      links[i].setAttribute("href", href + encodeURIComponent("\n网址：" + window.location.href.split("#")[0]));
      links[i].setAttribute("data-filled", "1");
    }
  }

  function fix() {
    labelCells();
    nameScrollBoxes();
    nameDialogs();
    offlineSearch();
    reportLinks();
  }

  fix();
  document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("load", fix);
  window.addEventListener("resize", nameScrollBoxes);
})();
