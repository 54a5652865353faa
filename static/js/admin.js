/* The beheerder's pages: confirm before a removal, the options of the chosen kind, and an
   upload that shows its progress and then the ingest job's (GET /admin/jobs/<id>). */
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var form = document.getElementById("gi-ingest-form");
  if (!form) { return; }
  var texts = JSON.parse(form.dataset.texts);
  var kind = document.getElementById("gi-kind");
  var panel = document.getElementById("gi-ingest-progress");
  var bar = document.getElementById("gi-upload-bar");
  var stateLine = panel.querySelector(".gi-ingest-state");
  var countsLine = panel.querySelector(".gi-ingest-counts");
  var summary = panel.querySelector(".gi-ingest-summary");
  var rejects = panel.querySelector(".gi-ingest-rejects");
  var button = form.querySelector("button[type=submit]");

  function showOptions() {
    form.querySelectorAll(".gi-kind-options").forEach(function (set) {
      var mine = set.dataset.kind === kind.value;
      set.hidden = !mine;
      set.disabled = !mine;
    });
  }
  kind.addEventListener("change", showOptions);
  showOptions();

  function number(n) { return (n || 0).toLocaleString(document.documentElement.lang); }

  function show(job) {
    var stage = job.state === "running" && texts[job.stage] ? " — " + texts[job.stage] : "";
    stateLine.textContent = (texts[job.state] || job.state) + stage;
    countsLine.textContent = texts.read + " " + number(job.read) +
      (job.stored === null ? "" : ", " + texts.stored_n + " " + number(job.stored)) +
      ", " + texts.rejected + " " + number(job.rejected);
    if (job.state === "done" || job.state === "failed") {
      bar.value = job.state === "done" ? 100 : 0;
      summary.hidden = false;
      summary.textContent = job.state === "done" ? job.summary : job.error;
      if (job.rejects_url) {
        rejects.hidden = false;
        rejects.querySelector("a").href = job.rejects_url;
      }
      panel.dataset.state = job.state;
      button.disabled = false;
      panel.scrollIntoView({block: "nearest"});
      return true;
    }
    bar.removeAttribute("value"); // indeterminate while the server works
    return false;
  }

  function follow(url) {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (!show(job)) { window.setTimeout(function () { follow(url); }, 1000); }
      })
      .catch(function () { window.setTimeout(function () { follow(url); }, 3000); });
  }

  function failed(message) {
    stateLine.textContent = texts.failed_upload + " " + message;
    panel.dataset.state = "failed";
    bar.value = 0;
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("gi-file").files[0];
    panel.hidden = false;
    summary.hidden = true;
    rejects.hidden = true;
    countsLine.textContent = "";
    panel.dataset.state = "uploading";
    panel.scrollIntoView({block: "nearest"});
    if (file && file.size > Number(form.dataset.maxBytes)) { failed(texts.too_large); return; }
    button.disabled = true;
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRF-Token", form.elements.csrf_token.value);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        stateLine.textContent = texts.uploading + " " + bar.value + "%";
      }
    });
    request.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(request.responseText); } catch (ignore) { body = {}; }
      if (request.status === 202) {
        panel.dataset.job = body.job;
        follow(body.url);
      } else if (request.status === 413) {
        failed(texts.too_large);
      } else {
        failed((body.error && body.error.message) || request.statusText);
      }
    });
    request.addEventListener("error", function () { failed(request.statusText || "network"); });
    request.send(new FormData(form));
  });
}());
