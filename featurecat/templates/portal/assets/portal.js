/* featurecat portal: feature tables that page, sort and filter, and labels for phone cards.
   No dependencies, no network. Only textContent is written from data, so no catalog text can
   become markup.

   A short table (all its rows in the page) sorts in place. A long one names the catalog's
   feature data (data-fc-data, a script) and which of its rows it lists (data-fc-where and
   data-fc-value); this script then shows it a page at a time, with a text filter and a filter
   per faceted column (data-fc-facet), header and filters kept on screen.

   Other filters can plug in: featurecat.addFilter({label, options: [[value, text]...],
   test: function (row, value) -> bool}) adds a menu to every long table; `row` maps column
   keys to values (see featurecat/portal/table.py for the columns). */
(function () {
  "use strict";

  var PAGE = 50;
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var text = function (cell) { return (cell.textContent || "").trim(); };
  var plugins = [];
  var featurecat = window.featurecat = window.featurecat || {};
  featurecat.addFilter = function (filter) { plugins.push(filter); };

  function compare(a, b) {
    var x = parseFloat(String(a).replace(/,/g, "")), y = parseFloat(String(b).replace(/,/g, ""));
    if (!isNaN(x) && !isNaN(y) && /^[-\d.,%]+$/.test(a) && /^[-\d.,%]+$/.test(b)) return x - y;
    return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
  }

  /* Phone cards: each cell says which column it is (CSS shows it when rows stack). */
  function label(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var names = Array.prototype.map.call(head.cells, text);
    each(table.tBodies[0] ? table.tBodies[0].rows : [], function (row) {
      each(row.cells, function (cell, i) {
        if (!cell.hasAttribute("data-label") && names[i]) cell.setAttribute("data-label", names[i]);
      });
    });
  }

  function sortable(head, onSort) {
    each(head.cells, function (th, i) {
      th.tabIndex = 0;
      th.title = "Sort by " + text(th).toLowerCase();
      var sort = function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        each(head.cells, function (c) { c.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        onSort(i, dir);
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  function inPlace(table) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    sortable(table.tHead.rows[0], function (i, dir) {
      var fragment = document.createDocumentFragment();
      rows.slice().sort(function (a, b) { return dir * compare(text(a.cells[i]), text(b.cells[i])); })
        .forEach(function (row) { fragment.appendChild(row); });
      body.appendChild(fragment);
    });
  }

  function control(tag, attributes) {
    var element = document.createElement(tag);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    return element;
  }

  function paged(wrap, table, data) {
    var keys = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return th.getAttribute("data-fc-key");
    });
    var index = {};
    data.columns.forEach(function (key, i) { index[key] = i; });
    var where = table.getAttribute("data-fc-where"), value = table.getAttribute("data-fc-value");
    var names = where === "name" ? value.split(" ") : null;
    var rows = data.rows.filter(function (row) {
      if (!where) return true;
      var found = row[index[where]];
      if (names) return names.indexOf(found) !== -1;
      return Array.isArray(found) ? found.indexOf(value) !== -1 : found === value;
    }).map(function (row) {
      var record = {};
      data.columns.forEach(function (key, i) { record[key] = row[i]; });
      record.__text = data.columns.map(function (key, i) {
        return Array.isArray(row[i]) ? row[i].join(" ") : row[i];
      }).join(" ").toLowerCase();
      return record;
    });
    var href = table.getAttribute("data-fc-href");
    var body = table.tBodies[0];
    var state = { words: [], facets: {}, plugins: {}, sort: null, dir: 1, page: 0, shown: rows };

    var controls = control("div", { class: "fc-controls", role: "search", "aria-label": "Filter features" });
    var input = control("input", {
      type: "search", placeholder: "Filter by name, owner, tag or description",
      "aria-label": "Filter features by text"
    });
    controls.appendChild(input);
    var menus = [];
    keys.forEach(function (key, i) {
      var th = table.tHead.rows[0].cells[i];
      if (!th.hasAttribute("data-fc-facet") || key === where) return;
      var seen = {};
      rows.forEach(function (row) { seen[row[key]] = true; });
      var select = control("select", { "aria-label": "Filter by " + text(th).toLowerCase() });
      select.appendChild(new Option("Any " + text(th).toLowerCase(), ""));
      Object.keys(seen).sort(compare).forEach(function (v) { select.appendChild(new Option(v, v)); });
      controls.appendChild(select);
      menus.push({ key: key, select: select });
    });
    plugins.forEach(function (filter, n) {
      var select = control("select", { "aria-label": filter.label });
      select.appendChild(new Option("Any " + filter.label.toLowerCase(), ""));
      filter.options.forEach(function (o) { select.appendChild(new Option(o[1], o[0])); });
      controls.appendChild(select);
      menus.push({ plugin: filter, select: select, id: n });
    });
    var count = control("span", { class: "fc-count", "aria-live": "polite" });
    controls.appendChild(count);
    wrap.insertBefore(controls, wrap.firstChild);
    var stick = function () {  // the header stays below the filters, which stay below the page's
      var header = document.querySelector(".md-header");
      var top = header ? header.offsetHeight : 0;
      controls.style.top = top + "px";
      wrap.style.setProperty("--fc-head-top", top + controls.offsetHeight + "px");
    };
    stick();
    window.addEventListener("resize", stick);

    var pager = control("nav", { class: "fc-pager", "aria-label": "Pages of features" });
    var previous = control("button", { type: "button" });
    previous.textContent = "‹ Previous";
    var where_ = control("span", { class: "fc-pager__where" });
    var next = control("button", { type: "button" });
    next.textContent = "Next ›";
    pager.appendChild(previous);
    pager.appendChild(where_);
    pager.appendChild(next);
    wrap.appendChild(pager);
    var more = wrap.querySelector(".fc-more");
    if (more) more.remove();

    function cell(key, value) {
      var td = document.createElement("td");
      td.setAttribute("data-label", text(table.tHead.rows[0].cells[keys.indexOf(key)]));
      var column = table.tHead.rows[0].cells[keys.indexOf(key)];
      if (key === "name") {
        var a = document.createElement("a");
        a.href = href.replace("__name__", encodeURIComponent(value));
        var code = document.createElement("code");
        code.textContent = value;
        a.appendChild(code);
        td.appendChild(a);
      } else if (key === "status") {
        var badge = document.createElement("span");
        badge.className = "fc-badge fc-badge--" + String(value).replace(/[^a-z0-9-]/g, "");
        badge.textContent = value;
        td.appendChild(badge);
      } else if (column && column.getAttribute("data-fc-key") === "dtype") {
        var type = document.createElement("code");
        type.textContent = value;
        td.appendChild(type);
      } else {
        td.textContent = Array.isArray(value) ? value.join(" ") : value;
      }
      return td;
    }

    function render() {
      var total = state.shown.length, pages = Math.max(1, Math.ceil(total / PAGE));
      state.page = Math.min(state.page, pages - 1);
      var start = state.page * PAGE, fragment = document.createDocumentFragment();
      state.shown.slice(start, start + PAGE).forEach(function (row) {
        var tr = document.createElement("tr");
        keys.forEach(function (key) { tr.appendChild(cell(key, row[key])); });
        fragment.appendChild(tr);
      });
      body.textContent = "";
      body.appendChild(fragment);
      count.textContent = total === rows.length ? rows.length.toLocaleString("en") + " features"
        : total.toLocaleString("en") + " of " + rows.length.toLocaleString("en") + " features";
      where_.textContent = total ? (start + 1).toLocaleString("en") + "–" +
        Math.min(start + PAGE, total).toLocaleString("en") + " of " + total.toLocaleString("en") : "none match";
      previous.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
      pager.hidden = pages < 2;
    }

    function apply() {
      var started = performance.now();
      state.words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var active = menus.filter(function (m) { return m.select.value; });
      state.shown = rows.filter(function (row) {
        for (var w = 0; w < state.words.length; w++)
          if (row.__text.indexOf(state.words[w]) === -1) return false;
        for (var m = 0; m < active.length; m++) {
          var menu = active[m];
          if (menu.plugin ? !menu.plugin.test(row, menu.select.value)
              : String(row[menu.key]) !== menu.select.value) return false;
        }
        return true;
      });
      if (state.sort) sortShown();
      state.page = 0;
      render();
      wrap.setAttribute("data-fc-filter-ms", (performance.now() - started).toFixed(1));
    }

    function sortShown() {
      var key = state.sort, dir = state.dir;
      state.shown.sort(function (a, b) { return dir * compare(a[key], b[key]); });
    }

    sortable(table.tHead.rows[0], function (i, dir) {
      state.sort = keys[i];
      state.dir = dir;
      sortShown();
      state.page = 0;
      render();
    });
    previous.addEventListener("click", function () { state.page -= 1; render(); });
    next.addEventListener("click", function () { state.page += 1; render(); });
    input.addEventListener("input", apply);
    menus.forEach(function (m) { m.select.addEventListener("change", apply); });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) input.value = query;
    apply();
    wrap.setAttribute("data-fc-ready", "");
  }

  var loading = {};
  function withData(url, done) {
    if (window.featurecatFeatures) return done(window.featurecatFeatures);
    if (!loading[url]) {
      loading[url] = [];
      var script = document.createElement("script");
      script.src = url;
      script.onload = function () { loading[url].splice(0).forEach(function (fn) { fn(window.featurecatFeatures); }); };
      document.head.appendChild(script);
    }
    loading[url].push(done);
  }

  function init() {
    each(document.querySelectorAll(".md-typeset table"), label);
    each(document.querySelectorAll(".fc-table-wrap"), function (wrap) {
      var table = wrap.querySelector("table[data-fc-table]");
      if (!table || table.hasAttribute("data-fc-ready")) return;
      table.setAttribute("data-fc-ready", "");
      var data = table.getAttribute("data-fc-data");
      if (data) withData(data, function (found) { paged(wrap, table, found); });
      else inPlace(table);
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
