// briefbook: optional enhancements. Every page is complete without this script.
(function () {
  "use strict";

  function timelineFilters() {
    var form = document.querySelector(".bb-filters");
    if (!form) return;
    form.hidden = false;
    var selects = form.querySelectorAll("select[data-filter]");
    function apply() {
      var wanted = {};
      selects.forEach(function (s) { wanted[s.dataset.filter] = s.value; });
      document.querySelectorAll(".bb-timeline li").forEach(function (li) {
        var show = true;
        if (wanted.type && li.dataset.type !== wanted.type) show = false;
        if (wanted.place && li.dataset.place !== wanted.place) show = false;
        if (wanted.actors && (" " + li.dataset.actors + " ").indexOf(" " + wanted.actors + " ") < 0) show = false;
        li.hidden = !show;
      });
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
  }

  function sortableTables() {
    document.querySelectorAll("table.bb-sortable").forEach(function (table) {
      var body = table.tBodies[0];
      table.querySelectorAll("thead th").forEach(function (th, column) {
        th.tabIndex = 0;
        th.setAttribute("aria-sort", "none");
        function sort() {
          var ascending = th.getAttribute("aria-sort") !== "ascending";
          table.querySelectorAll("thead th").forEach(function (o) { o.setAttribute("aria-sort", "none"); });
          th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = a.cells[column], y = b.cells[column];
            var p = x.dataset.sort || x.textContent, q = y.dataset.sort || y.textContent;
            var n = Number(p), m = Number(q);
            var r = (!isNaN(n) && !isNaN(m)) ? n - m : p.localeCompare(q);
            return ascending ? r : -r;
          });
          rows.forEach(function (row) { body.appendChild(row); });
        }
        th.addEventListener("click", sort);
        th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
      });
    });
  }

  // Outline every piece of the passage a citation link points at (a passage may be cut
  // into several marks where quotes overlap).
  function targetedPassage() {
    document.querySelectorAll("mark.bb-targeted").forEach(function (m) { m.classList.remove("bb-targeted"); });
    var id = decodeURIComponent(location.hash.slice(1));
    if (id.indexOf("q-") !== 0) return;
    document.querySelectorAll("mark.bb-cited").forEach(function (m) {
      if ((" " + m.dataset.cites + " ").indexOf(" " + id + " ") >= 0) m.classList.add("bb-targeted");
    });
  }

  function init() { timelineFilters(); sortableTables(); targetedPassage(); }
  window.addEventListener("hashchange", targetedPassage);
  if (window.document$) { window.document$.subscribe(init); } else { document.addEventListener("DOMContentLoaded", init); }
})();
