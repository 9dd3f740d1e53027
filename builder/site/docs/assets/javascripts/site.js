/* Accessibility fixes to the theme's markup, applied on every page.
 *
 * - Material wraps each table in a horizontally scrolling box; a box that scrolls
 *   must be reachable by keyboard, so it becomes focusable and is named after
 *   the table (WCAG 2.1.1; axe "scrollable-region-focusable").
 * - The search overlay has role="dialog" but no name (axe "aria-dialog-name").
 */
(function () {
  "use strict";

  /* The text of the nearest heading before el, or "" if there is none. */
  function headingBefore(el) {
    for (var node = el.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) {
        return node.textContent.trim();
      }
    }
    return "";
  }

  function nameScrollBoxes() {
    var boxes = document.querySelectorAll(".md-typeset__scrollwrap");
    for (var i = 0; i < boxes.length; i += 1) {
      var box = boxes[i];
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

  function fix() {
    nameScrollBoxes();
    nameDialogs();
  }

  fix();
  document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("load", fix);
})();
