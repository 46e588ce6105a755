(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var box = document.getElementById("search-box");
  var list = document.getElementById("search-results");
  var index = window.SEARCH_INDEX || [];
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function search(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) { return []; }
    var hits = [];
    index.forEach(function (entry) {
      var title = entry.title.toLowerCase(), text = entry.text.toLowerCase(), score = 0, first = -1;
      for (var i = 0; i < words.length; i++) {
        var inTitle = title.indexOf(words[i]) >= 0, at = text.indexOf(words[i]);
        if (!inTitle && at < 0) { return; }
        score += (inTitle ? 10 : 0) + (at >= 0 ? 1 : 0);
        if (first < 0 && at >= 0) { first = at; }
      }
      hits.push({entry: entry, score: score, at: first});
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return hits.slice(0, 20);
  }
  if (box && list) {
    box.addEventListener("input", function () {
      var hits = search(box.value);
      list.innerHTML = hits.map(function (hit) {
        var start = Math.max(0, hit.at - 60), snippet = hit.at >= 0 ? hit.entry.text.substr(start, 160) : "";
        return '<li><a href="' + root + hit.entry.url + '">' + escapeHtml(hit.entry.title) + "</a><small>" +
          escapeHtml(snippet) + "</small></li>";
      }).join("") || (box.value.trim() ? "<li>No page matches.</li>" : "");
      list.className = box.value.trim() ? "open" : "";
    });
  }
  var table = document.getElementById("claims-table");
  if (table) {
    var filters = document.querySelectorAll("[data-filter]");
    var count = document.getElementById("claim-count");
    var apply = function () {
      var shown = 0;
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var keep = true;
        filters.forEach(function (f) {
          var want = f.value.trim().toLowerCase();
          if (!want) { return; }
          if (f.getAttribute("data-filter") === "text") {
            keep = keep && row.textContent.toLowerCase().indexOf(want) >= 0;
          } else {
            var have = (row.getAttribute("data-" + f.getAttribute("data-filter").replace(/_/g, "-")) || "").toLowerCase();
            keep = keep && have === want;
          }
        });
        row.hidden = !keep;
        if (keep) { shown++; }
      });
      count.textContent = String(shown);
    };
    filters.forEach(function (f) { f.addEventListener("input", apply); f.addEventListener("change", apply); });
  }
})();
