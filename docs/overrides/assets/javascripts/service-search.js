/* Site search through the Frontline service. Loaded before Material's bundle: when this copy of
   the site is served by the app (one probe of /api/search per browser session, remembered in
   sessionStorage), the search form loses its name so Material neither downloads
   search_index.json nor builds its index, and the search box's queries go to /api/search; the
   results are drawn in Material's own result list. Opened as static files (or served without
   the app), the probe fails and Material's built-in search is left alone. */
(function () {
  "use strict";
  var KEY = "frontline.search";
  var form = document.forms.namedItem("search");
  if (!form || !window.fetch) return;
  var config = JSON.parse((document.getElementById("__config") || {}).textContent || "{}");
  var base = new URL(config.base || ".", location.href);
  var api = new URL("api/search", new URL("/", location.href));

  function probe() {
    var known = null;
    try { known = sessionStorage.getItem(KEY); } catch (e) { /* storage off */ }
    if (known) return known === "service";
    var ok = false;
    try {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", api.href + "?q=", false); /* once per session, before the bundle runs */
      xhr.send();
      ok = xhr.status === 200 && /"results"/.test(xhr.responseText);
    } catch (e) { ok = false; }
    try { sessionStorage.setItem(KEY, ok ? "service" : "static"); } catch (e) { /* ignore */ }
    return ok;
  }
  if (location.protocol === "file:" || !probe()) return;

  form.removeAttribute("name"); /* Material's bundle looks the form up by this name */
  var input = form.querySelector(".md-search__input");
  var meta = document.querySelector(".md-search-result__meta");
  var list = document.querySelector(".md-search-result__list");
  var words = config.translations || {};
  var first = location.pathname.slice(base.pathname.length).split("/")[0];
  var lang = ["ru", "uk", "de"].indexOf(first) >= 0 ? first : "en";
  var seq = 0;
  var timer = null;

  function say(key, n) {
    var text = words[key] || "";
    return text.replace("#", String(n));
  }

  function snippet(target, html) {
    var doc = new DOMParser().parseFromString("<p>" + (html || "") + "</p>", "text/html");
    doc.body.firstChild.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.tagName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        target.appendChild(mark);
      } else {
        target.appendChild(document.createTextNode(node.textContent));
      }
    });
  }

  function item(r) {
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    var a = document.createElement("a");
    a.className = "md-search-result__link";
    a.href = new URL(r.url.replace(/^\//, ""), base).href;
    a.tabIndex = -1;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    var icon = document.createElement("div");
    icon.className = "md-search-result__icon md-icon";
    var h1 = document.createElement("h1");
    h1.textContent = r.title;
    var p = document.createElement("p");
    snippet(p, r.snippet);
    article.append(icon, h1, p);
    a.appendChild(article);
    li.appendChild(a);
    return li;
  }

  function show(results, query) {
    list.textContent = "";
    if (!query) {
      meta.textContent = say("search.result.placeholder");
      return;
    }
    results.forEach(function (r) { list.appendChild(item(r)); });
    var n = results.length;
    meta.textContent = n === 0 ? say("search.result.none")
      : n === 1 ? say("search.result.one") : say("search.result.other", n);
  }

  function search() {
    var query = input.value.trim();
    var mine = ++seq;
    if (!query) return show([], "");
    fetch(api.href + "?q=" + encodeURIComponent(query) + "&lang=" + lang)
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (d) { if (mine === seq) show(d.results || [], query); })
      .catch(function () { if (mine === seq) show([], query); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var top = list.querySelector("a");
    if (top) location.href = top.href;
  });
  meta.textContent = say("search.result.placeholder");
})();
