/* "Was this helpful?": post {article, lang, helpful} to /api/feedback. The buttons thank the
   reader whatever happens, so a site served without the app (no endpoint) fails quietly. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("kb-feedback")) return;
  event.preventDefault();
  var button = event.submitter;
  var body = JSON.stringify({
    article: form.dataset.article,
    lang: form.dataset.lang,
    helpful: button ? button.value === "yes" : null,
    page: location.pathname
  });
  var done = function () {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    form.querySelector(".kb-feedback__thanks").hidden = false;
  };
  try {
    fetch(form.getAttribute("action"), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: body
    }).then(done, done);
  } catch (e) {
    done();
  }
});
