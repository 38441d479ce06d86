/* Ask support, enhanced: live suggestions as the customer types (debounced POST /api/triage),
   the question committed to its session (POST /ask/session, CSRF header) before any step that
   is measured, and the ticket form revealed in place. Without this script the page works with
   plain form posts. Snippets are rebuilt as text nodes: only <mark> elements survive. */
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  if (!form || !window.fetch || !window.DOMParser) return;
  var q = document.getElementById("question");
  var list = document.getElementById("suggestion-list");
  var section = document.getElementById("suggestions");
  var none = document.getElementById("no-suggestions");
  var cta = document.getElementById("contact-cta");
  var contact = document.getElementById("contact-support");
  var ticketForm = document.getElementById("ticket-form");
  var tpl = document.getElementById("suggestion-template");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var limit = parseInt(form.dataset.limit, 10) || 5;
  var langs = JSON.parse(form.dataset.langs || "{}");
  var cameFrom = (document.getElementById("came-from") || {}).value || "";
  var state = { sid: document.getElementById("sid").value || "", committed: "", seq: 0,
                decision: null, prefill: "", inflight: null };
  if (state.sid) state.committed = q.value.trim();

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function post(url, body, extra) {
    var init = { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                 headers: { "Content-Type": "application/json", "X-CSRFToken": csrf } };
    for (var k in extra || {}) init[k] = extra[k];
    return fetch(url, init);
  }

  function setSid(sid) {
    state.sid = sid;
    document.querySelectorAll("input[name=sid]").forEach(function (i) { i.value = sid; });
    var link = document.getElementById("contact-button");
    if (link) link.href = link.href.replace(/([?&]sid=)[^&]*/, "$1" + encodeURIComponent(sid));
  }

  /* Record the question shown now in its session; resolves to the session id. */
  function commit() {
    var text = q.value.trim();
    if (!text) return Promise.resolve(state.sid);
    if (state.sid && state.committed === text) return Promise.resolve(state.sid);
    if (state.inflight && state.inflight.text === text) return state.inflight.promise;
    var promise = post(form.dataset.sessionUrl, { sid: state.sid || null, question: text, from: cameFrom })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) { state.committed = text; setSid(d.sid); return d.sid; });
    state.inflight = { text: text, promise: promise };
    return promise;
  }
  var commitLater = debounce(function () { commit().catch(function () {}); }, 1500);

  /* Leaving before the question was recorded: send it anyway, so the session is counted. */
  window.addEventListener("pagehide", function () {
    var text = q.value.trim();
    if (!state.decision || !text || (state.sid && state.committed === text)) return;
    if (!navigator.sendBeacon) return;
    var data = new FormData();
    data.append("csrf_token", csrf);
    data.append("question", text);
    data.append("sid", state.sid);
    data.append("from", cameFrom);
    navigator.sendBeacon(form.dataset.sessionUrl, data);
  });

  function fillSnippet(target, html) {
    var doc = new DOMParser().parseFromString("<p>" + (html || "") + "</p>", "text/html");
    target.textContent = "";
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

  function item(s) {
    var li = tpl.content.firstElementChild.cloneNode(true);
    var a = li.querySelector(".fl-sugg__title");
    li.dataset.article = s.id;
    var url = "/" + String(s.url || "").replace(/^\/+/, "");
    a.textContent = s.title;
    a.href = url;
    a.dataset.url = url;
    a.dataset.live = "1";
    var badge = li.querySelector(".fl-badge");
    badge.textContent = langs[s.lang] || s.lang;
    badge.lang = s.lang;
    fillSnippet(li.querySelector(".fl-sugg__snippet"), s.snippet);
    li.querySelector("input[name=article]").value = s.id;
    li.querySelector("input[name=sid]").value = state.sid;
    return li;
  }

  function render(decision) {
    var items = (decision.suggestions || []).slice(0, limit);
    list.textContent = "";
    items.forEach(function (s) { list.appendChild(item(s)); });
    section.hidden = items.length === 0;
    none.hidden = items.length !== 0;
    if (contact.hidden) cta.hidden = false;
  }

  function live() {
    var text = q.value.trim();
    var seq = ++state.seq;
    if (text.length < 3) return;
    post(form.dataset.triageUrl, { question: text })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d || seq !== state.seq) return;
        state.decision = d;
        render(d);
        commitLater();
      })
      .catch(function () {});
  }

  /* Too short to search (spaces only, or under three characters): say why, do not go quiet. */
  var hint = document.getElementById("question-hint");
  function tooShort() {
    var short = q.value.trim().length < 3;
    if (hint) {
      hint.textContent = short ? hint.dataset.short : "";
      hint.hidden = !short;
    }
    q.setAttribute("aria-invalid", short ? "true" : "false");
    return short;
  }

  q.addEventListener("input", debounce(live, 300));
  q.addEventListener("input", function () { if (hint && !hint.hidden) tooShort(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (tooShort()) { q.focus(); return; }
    live();
  });

  list.addEventListener("click", function (event) {
    var a = event.target.closest(".fl-sugg__title");
    if (!a) return;
    var li = a.closest(".fl-sugg");
    li.classList.add("is-opened");
    if (a.dataset.live !== "1") return; /* a server-rendered link records the opening itself */
    commit().then(function (sid) {
      var url = form.dataset.openUrl.replace("__SID__", encodeURIComponent(sid))
        .replace("__ID__", encodeURIComponent(li.dataset.article));
      return post(url, {}, { keepalive: true });
    }).catch(function () {});
  });

  /* Measured steps need the session: commit first, then send the form as it was meant. */
  function withSession(event) {
    var f = event.target;
    if (!f.matches || !f.matches(".fl-answer, #ticket-form")) return;
    if (state.sid && state.committed === q.value.trim()) return;
    if (f.id === "ticket-form" && !q.value.trim()) return;
    event.preventDefault();
    var submitter = event.submitter;
    commit().then(function () {
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        f.appendChild(hidden);
      }
      f.submit();
    }, function () { f.submit(); });
  }
  document.addEventListener("submit", withSession, true);

  document.getElementById("contact-button").addEventListener("click", function (event) {
    event.preventDefault();
    var text = q.value.trim();
    var desc = ticketForm.querySelector("[name=description]");
    if (!desc.value.trim() || desc.value === state.prefill) desc.value = state.prefill = text;
    var priority = state.decision && state.decision.priority;
    var select = ticketForm.querySelector("[name=priority]");
    if (priority && select.querySelector("option[value='" + priority + "']")) select.value = priority;
    contact.hidden = false;
    cta.hidden = true;
    ticketForm.querySelector("[name=module]").focus();
    commit().catch(function () {});
  });
})();
