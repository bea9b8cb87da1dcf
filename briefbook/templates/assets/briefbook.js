// briefbook: optional enhancements. Every page is complete without this script.
(function () {
  "use strict";

  // The timeline's filters: their state lives in the URL (?actor=&type=&place=&year=), so
  // a filtered view is a link; headings left empty are hidden, and the count says how many.
  function timelineFilters() {
    var form = document.querySelector(".bb-filters");
    if (!form) return;
    form.hidden = false;
    var selects = form.querySelectorAll("select[data-filter]");
    var count = form.querySelector(".bb-filter-count");
    var params = new URLSearchParams(location.search);
    selects.forEach(function (s) {
      var v = params.get(s.name);
      if (v && s.querySelector('option[value="' + CSS.escape(v) + '"]')) s.value = v;
    });
    function apply() {
      var wanted = {}, active = false, shown = 0;
      selects.forEach(function (s) { wanted[s.dataset.filter] = s.value; if (s.value) active = true; });
      document.querySelectorAll(".bb-tl-item").forEach(function (li) {
        var d = li.dataset;
        var show = (!wanted.type || d.type === wanted.type) && (!wanted.place || d.place === wanted.place) &&
          (!wanted.year || d.year === wanted.year) &&
          (!wanted.actors || (" " + d.actors + " ").indexOf(" " + wanted.actors + " ") >= 0);
        li.hidden = !show;
        if (show) shown += 1;
      });
      document.querySelectorAll(".bb-tl-month, .bb-tl-year, .bb-tl-background").forEach(function (box) {
        box.hidden = !box.querySelector(".bb-tl-item:not([hidden])");
      });
      document.querySelectorAll(".bb-tl-year").forEach(function (year) {
        var label = year.querySelector(".bb-tl-count");
        var n = active ? year.querySelectorAll(".bb-tl-item:not([hidden])").length : Number(label.dataset.count);
        label.textContent = n + (n === 1 ? " event" : " events");
      });
      var background = document.querySelector(".bb-tl-background");
      if (background && active && !background.hidden) background.open = true;
      var total = count.dataset.total;
      count.textContent = active ? shown + " of " + total + " events" : total + " events";
      var query = new URLSearchParams();
      selects.forEach(function (s) { if (s.value) query.set(s.name, s.value); });
      var search = query.toString();
      history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash);
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    apply();
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

  // Search: a query that is exactly one of a record's names (data/names.json) puts its
  // page first. Material's search scores words and matches each as a prefix ("of" finds
  // "officials", "IS" finds "Israel"), so the record a reader names can rank below one that
  // merely shares a word with it. Only the order changes; without this script, or before
  // the list is fetched, the results are Material's.
  function exactNames() {
    var input = document.querySelector("input.md-search__input");
    var list = document.querySelector(".md-search-result__list");
    var config = document.getElementById("__config");
    if (!input || !list || !config || list.dataset.bbExact) return;
    list.dataset.bbExact = "on";  // Material keeps the search box across instant loads
    var base = new URL(JSON.parse(config.textContent).base + "/", location.href);
    var pages = null;
    function key(text) { return text.trim().replace(/\s+/g, " ").toLowerCase(); }
    function promote() {
      var wanted = pages && pages[key(input.value)];
      if (!wanted) return;
      // Several records may bear the name ("Iraq" the state and the country): the first of
      // them in Material's order goes on top.
      var items = list.children;
      for (var i = 0; i < items.length; i++) {
        var link = items[i].querySelector("a[href]");
        if (link && wanted.indexOf(new URL(link.href).pathname) >= 0) {
          if (i > 0) list.insertBefore(items[i], items[0]);  // observed again: then a no-op
          return;
        }
      }
    }
    function load() {
      if (pages) return;
      pages = {};
      fetch(new URL("data/names.json", base)).then(function (response) {
        return response.ok ? response.json() : { names: [] };
      }).then(function (doc) {
        doc.names.forEach(function (n) {
          var name = key(n.name);
          (pages[name] = pages[name] || []).push(new URL(n.path, base).pathname);
        });
        promote();
      }).catch(function () { /* no list: Material's order stands */ });
    }
    input.addEventListener("focus", load);
    new MutationObserver(promote).observe(list, { childList: true });
  }

  function init() { timelineFilters(); sortableTables(); targetedPassage(); exactNames(); }
  window.addEventListener("hashchange", targetedPassage);
  if (window.document$) { window.document$.subscribe(init); } else { document.addEventListener("DOMContentLoaded", init); }
})();
