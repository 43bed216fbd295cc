/* featurecat portal: sortable, filterable feature tables. No dependencies, no network.
   Only textContent is read and written, so table text can never become markup. */
(function () {
  "use strict";

  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var text = function (cell) { return (cell.textContent || "").trim(); };

  function compare(a, b) {
    var x = parseFloat(a.replace(/,/g, "")), y = parseFloat(b.replace(/,/g, ""));
    if (!isNaN(x) && !isNaN(y) && /^[-\d.,%]+$/.test(a) && /^[-\d.,%]+$/.test(b)) return x - y;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortable(table, rows) {
    var head = table.tHead.rows[0], body = table.tBodies[0];
    each(head.cells, function (th, i) {
      th.tabIndex = 0;
      th.title = "Sort by " + text(th).toLowerCase();
      var sort = function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        each(head.cells, function (c) { c.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var sorted = rows.slice().sort(function (a, b) {
          return dir * compare(text(a.cells[i]), text(b.cells[i]));
        });
        var fragment = document.createDocumentFragment();
        sorted.forEach(function (row) { fragment.appendChild(row); });
        body.appendChild(fragment);
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  function filterable(wrap, table, rows) {
    var head = table.tHead.rows[0];
    var controls = document.createElement("div");
    controls.className = "fc-controls";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter by name, owner, tag or description";
    input.setAttribute("aria-label", "Filter features");
    controls.appendChild(input);
    var facets = [];
    each(head.cells, function (th, i) {
      if (!th.hasAttribute("data-fc-facet")) return;
      var values = {};
      rows.forEach(function (row) { values[text(row.cells[i])] = true; });
      var select = document.createElement("select");
      select.setAttribute("aria-label", "Filter by " + text(th).toLowerCase());
      select.appendChild(new Option("Any " + text(th).toLowerCase(), ""));
      Object.keys(values).sort().forEach(function (v) { select.appendChild(new Option(v, v)); });
      controls.appendChild(select);
      facets.push({ index: i, select: select });
    });
    var count = document.createElement("span");
    count.className = "fc-count";
    count.setAttribute("aria-live", "polite");
    controls.appendChild(count);
    wrap.insertBefore(controls, wrap.firstChild);

    var haystacks = rows.map(function (row) { return row.textContent.toLowerCase(); });
    var apply = function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, n) {
        var match = words.every(function (w) { return haystacks[n].indexOf(w) !== -1; }) &&
          facets.every(function (f) {
            return !f.select.value || text(row.cells[f.index]) === f.select.value;
          });
        row.hidden = !match;
        if (match) shown += 1;
      });
      count.textContent = shown === rows.length ? rows.length + " features" : shown + " of " + rows.length;
    };
    input.addEventListener("input", apply);
    facets.forEach(function (f) { f.select.addEventListener("change", apply); });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) input.value = query;
    apply();
  }

  function init() {
    each(document.querySelectorAll(".fc-table-wrap"), function (wrap) {
      var table = wrap.querySelector("table[data-fc-table]");
      if (!table || table.hasAttribute("data-fc-ready")) return;
      table.setAttribute("data-fc-ready", "");
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      sortable(table, rows);
      if (wrap.hasAttribute("data-fc-filters")) filterable(wrap, table, rows);
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
