// The help center's contact form: suggests articles as the subject is typed, and tells the
// server which suggestion was opened (a request that is then not sent counts as deflected).
(function () {
  "use strict";
  var form = document.querySelector("[data-contact-form]");
  if (!form) return;
  var subject = form.querySelector("[data-suggest-from]");
  var box = form.querySelector("[data-suggestions]");
  var list = form.querySelector("[data-suggestion-list]");
  var visit = form.querySelector("input[name=visit]");
  var timer = null;
  var lastQuery = "";

  function show(articles) {
    list.textContent = "";
    articles.forEach(function (article) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = article.url;
      link.textContent = article.title;
      link.target = "_blank";
      link.rel = "noopener";
      link.setAttribute("data-article-id", String(article.id));
      link.addEventListener("click", function () { opened(article.id); });
      item.appendChild(link);
      list.appendChild(item);
    });
    box.hidden = articles.length === 0;
  }

  function opened(articleID) {
    var body = new URLSearchParams({ visit: visit ? visit.value : "", article_id: String(articleID) }).toString();
    var blob = new Blob([body], { type: "application/x-www-form-urlencoded" });
    if (!(navigator.sendBeacon && navigator.sendBeacon("/help/suggestions/opened", blob))) {
      fetch("/help/suggestions/opened", { method: "POST", body: body, credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }, keepalive: true });
    }
  }

  function lookUp() {
    var query = subject.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (query.length < 3) { show([]); return; }
    fetch("/help/suggestions?q=" + encodeURIComponent(query), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { articles: [] }; })
      .then(function (result) { if (query === lastQuery) show(result.articles || []); })
      .catch(function () { /* no suggestions when offline */ });
  }

  subject.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 250);
  });
  if (subject.value) lookUp();
})();
