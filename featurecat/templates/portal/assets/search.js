/* featurecat portal: the search behind Material's search box, as a web worker.

   It speaks Material's worker protocol (SETUP with the index -> READY; QUERY -> RESULT) and
   ranks like `featurecat search` (featurecat/query.py, whose docstring is the rule):

   - a query is words and filters: `age owner:growth tag:pii kind:feature dtype:int64`;
     filters on the same facet accept any of their values, different facets must all hold;
   - every word must match; each scores the best of: a word of the name 40, inside the name
     20, a tag 15 (inside one 7), equal to the owner, entity, dtype, status or kind 10, a word
     of one of those 5, in the description 5; the words joined by "_" being a tag or one of
     those facets adds 50 once;
   - exact name matches first (the words joined by "_" are the name), then points, then kind
     (features, sources, entities, models, teams, other pages), then name.

   Results show each object's kind, owner, status and type. Every string from the index is
   escaped before it becomes markup: Material inserts titles and texts as HTML. */
(function (scope) {
  "use strict";

  var WEIGHTS = { name_word: 40, name_part: 20, tag: 15, tag_part: 7, facet: 10,
                  facet_word: 5, text: 5, phrase: 50 };
  var FACETS = ["kind", "owner", "entity", "dtype", "status", "tag"];
  var KIND_RANK = { feature: 0, source: 1, entity: 2, model: 3, team: 4 };
  var KIND_LABEL = { feature: "Feature", source: "Source", entity: "Entity", model: "Model",
                     team: "Team" };
  var WORD = /[\p{L}\p{N}]+/gu;
  var FILTER = /(?<!\S)([A-Za-z][A-Za-z_]*):(\S+)/g;  // as query.py: a filter is a whole word
  var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
  var docs = [];

  function fold(text) { return String(text || "").toLocaleLowerCase(); }
  function words(text) { return fold(text).match(WORD) || []; }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function unescapeHtml(text) {
    return String(text || "").replace(/&(amp|lt|gt|quot|#39|#x27);/g, function (_, e) {
      return { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" }[e];
    });
  }

  function prepare(entry) {
    var kind = entry.kind || "";
    var name = unescapeHtml(String(entry.title || "").replace(/<[^>]*>/g, ""));
    var tags = (entry.tags || []).map(fold);
    var facets = ["owner", "entity", "dtype", "status"]
      .map(function (key) { return fold(entry[key]); })
      .concat(kind ? [kind] : [])
      .filter(Boolean);
    var facetWords = {};
    facets.forEach(function (value) { words(value).forEach(function (w) { facetWords[w] = true; }); });
    // The index holds each section's HTML (paragraphs, code...): its text is what is matched.
    var text = unescapeHtml(String(entry.text || "").replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim();
    return {
      entry: entry, kind: kind, name: name, folded: fold(name), parts: fold(name).split("_"),
      tags: tags, facets: facets, facetWords: facetWords, text: text, description: fold(text),
      page: entry.location.split("#")[0], section: entry.location.indexOf("#") !== -1
    };
  }

  function values(doc, facet) {
    if (facet === "kind") return doc.kind ? [doc.kind] : [];
    if (facet === "tag") return doc.tags;
    var value = fold(doc.entry[facet]);
    return value ? [value] : [];
  }

  function parse(text) {
    var filters = {}, unknown = [];
    String(text).replace(FILTER, function (_, facet, value) {
      facet = fold(facet);
      if (FACETS.indexOf(facet) === -1) unknown.push(facet);
      else (filters[facet] = filters[facet] || []).push(fold(value));
      return " ";
    });
    return { words: words(String(text).replace(FILTER, " ")), filters: filters, unknown: unknown };
  }

  function score(doc, query, phrase) {
    var total = 0;
    for (var i = 0; i < query.words.length; i++) {
      var word = query.words[i];
      var best = Math.max(
        doc.parts.indexOf(word) !== -1 ? WEIGHTS.name_word : 0,
        doc.folded.indexOf(word) !== -1 ? WEIGHTS.name_part : 0,
        doc.tags.indexOf(word) !== -1 ? WEIGHTS.tag : 0,
        doc.tags.some(function (t) { return t.indexOf(word) !== -1; }) ? WEIGHTS.tag_part : 0,
        doc.facets.indexOf(word) !== -1 ? WEIGHTS.facet : 0,
        doc.facetWords[word] ? WEIGHTS.facet_word : 0,
        doc.description.indexOf(word) !== -1 ? WEIGHTS.text : 0
      );
      if (!best) return null;
      total += best;
    }
    if (phrase && (doc.tags.indexOf(phrase) !== -1 || doc.facets.indexOf(phrase) !== -1))
      total += WEIGHTS.phrase;
    return total;
  }

  function passes(doc, filters) {
    return Object.keys(filters).every(function (facet) {
      var accepted = filters[facet];
      return values(doc, facet).some(function (v) { return accepted.indexOf(v) !== -1; });
    });
  }

  /* Marks the query's words in the text, then escapes each piece: marking escaped text would
     find "amp" inside "&amp;". split() with a group puts the matches at odd indexes. */
  function marked(text, query) {
    var found = query.words.filter(function (w) { return w.length > 1; })
      .map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    if (!found.length) return escapeHtml(text);
    return text.split(new RegExp("(" + found.join("|") + ")", "giu")).map(function (piece, i) {
      return i % 2 ? "<mark>" + escapeHtml(piece) + "</mark>" : escapeHtml(piece);
    }).join("");
  }

  function teaser(doc, query) {
    var text = doc.text.length > 220 ? doc.text.slice(0, 219).replace(/\s+\S*$/, "") + "…" : doc.text;
    if (!doc.kind) return "<p>" + marked(text, query) + "</p>";
    var facts = ['<span class="fc-hit__kind">' + KIND_LABEL[doc.kind] + "</span>"];
    var entry = doc.entry;
    // Each fact is one span: the line is a flex box, and a bare <mark> would be an item of its own.
    if (entry.owner) facts.push("<span>owner " + marked(entry.owner, query) + "</span>");
    if (entry.entity && doc.kind !== "entity") {
      facts.push("<span>entity " + marked(entry.entity, query) + "</span>");
    }
    if (entry.dtype) facts.push("<code>" + marked(entry.dtype, query) + "</code>");
    if (entry.status) {
      var status = escapeHtml(entry.status);
      facts.push('<span class="fc-badge fc-badge--' + status + '">' + status + "</span>");
    }
    return '<p class="fc-hit">' + facts.join(' <span aria-hidden="true">·</span> ') + "</p>" +
      (text ? "<p>" + marked(text, query) + "</p>" : "");
  }

  function search(text) {
    var query = parse(text);
    if (query.unknown.length || (!query.words.length && !Object.keys(query.filters).length))
      return { items: [] };
    var phrase = query.words.join("_");
    var terms = {};
    query.words.forEach(function (w) { terms[w] = true; });
    var hits = [];
    docs.forEach(function (doc) {
      if (!passes(doc, query.filters)) return;
      var points = score(doc, query, phrase);
      if (points === null) return;
      hits.push({ doc: doc, points: points, exact: !!phrase && phrase === doc.folded });
    });
    hits.sort(function (a, b) {
      return (b.exact - a.exact) || (b.points - a.points) ||
        (rank(a.doc) - rank(b.doc)) || (a.doc.folded < b.doc.folded ? -1 : a.doc.folded > b.doc.folded ? 1 : 0);
    });
    var groups = [], byPage = {};
    hits.forEach(function (hit) {
      var doc = hit.doc;
      var item = {
        location: doc.entry.location, title: marked(doc.name, query), text: teaser(doc, query),
        score: hit.points + (hit.exact ? 1000 : 0), terms: terms
      };
      var group = byPage[doc.page];
      if (!group) {
        group = byPage[doc.page] = [];
        groups.push(group);
      }
      if (doc.section) group.push(item);
      else group.unshift(item);
    });
    groups.forEach(function (group) {
      if (group[0].location.indexOf("#") !== -1) {  // only sections matched: add their page
        var page = docs.filter(function (d) { return d.entry.location === group[0].location.split("#")[0]; })[0];
        if (page) group.unshift({ location: page.entry.location, title: escapeHtml(page.name),
                                  text: "", score: 0, terms: terms });
      }
    });
    return { items: groups };
  }

  function rank(doc) { return doc.kind in KIND_RANK ? KIND_RANK[doc.kind] : 9; }

  function handle(message) {
    if (message.type === SETUP) {
      docs = (message.data.docs || []).map(prepare);
      return { type: READY };
    }
    if (message.type === QUERY) return { type: RESULT, data: search(message.data) };
    return { type: RESULT, data: { items: [] } };
  }

  scope.addEventListener("message", function (event) {
    scope.postMessage(handle(event.data));
  });
})(typeof WorkerGlobalScope !== "undefined" ? self : window.featurecatSearchScope);
