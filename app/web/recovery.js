/* app/web/recovery.js — the recovery page's one script: upload progress, forms posted in place, live progress while
   writing (no framework) */
"use strict";
(function () {
  var phase = document.getElementById("phase");
  var running = { receiving: 1, writing: 1, resetting: 1 };

  function mib(n) { return (n / 1048576).toFixed(1) + " MiB"; }

  /* While a request of the page's runs, no other button: leaving the page would cut it off. */
  function disable_buttons() {
    var b = document.querySelectorAll("button"), i;
    for (i = 0; i < b.length; i++) b[i].disabled = true;
  }

  function bar(id, label, done, total) {
    var p = document.getElementById(id);
    if (!p) {
      var para = document.createElement("p");
      para.innerHTML = label + ": <progress id=\"" + id + "\"></progress> <span id=\"" + id + "-text\"></span>";
      phase.parentNode.insertBefore(para, phase.nextSibling);
      p = document.getElementById(id);
    }
    p.max = total || 1;
    p.value = done;
    document.getElementById(id + "-text").textContent = mib(done) + " of " + mib(total);
  }

  /* Step 1 without leaving the page: the file as the raw body, with a progress bar. */
  var upload = document.getElementById("upload");
  if (upload && window.XMLHttpRequest) {
    upload.addEventListener("submit", function (ev) {
      var file = document.getElementById("file").files[0];
      if (!file) return;
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", "/upload");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) { bar("upload-progress", "Uploading", e.loaded, e.total || file.size); };
      xhr.onload = xhr.onerror = function () { location.replace("/"); };
      disable_buttons();
      bar("upload-progress", "Uploading", 0, file.size);
      xhr.send(file);
    });
  }

  /* The other forms (flash, discard, factory reset, reboot) posted by the script too, then the page at "/": the
     address stays "/", so neither a reload nor the page's refresh repeats a POST or asks for a POST-only URL.
     Browsers that do not say which button was pressed (Discard shares the Flash form) post the form themselves. */
  if (window.FormData && window.URLSearchParams) {
    document.addEventListener("submit", function (ev) {
      var form = ev.target, button = ev.submitter;
      if (ev.defaultPrevented || !("submitter" in ev) || form === upload || form.method.toLowerCase() !== "post")
        return;
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", button && button.hasAttribute("formaction") ? button.formAction : form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      xhr.onload = xhr.onerror = function () { location.replace("/"); };
      disable_buttons();
      xhr.send(new URLSearchParams(new FormData(form)).toString());
    });
  }

  /* While a step runs: follow it every half second, then show the page of what came out. */
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/status");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var s;
      try { s = JSON.parse(xhr.responseText); } catch (e) { setTimeout(poll, 1000); return; }
      if (s.phase !== phase.getAttribute("data-phase")) { location.replace("/"); return; }
      if (s.step) bar("step-progress", s.step.name, s.step.done, s.step.total);
      if (s.phase === "receiving") bar("upload-progress", "Received", s.upload.received, s.upload.expected);
      setTimeout(poll, 500);
    };
    xhr.onerror = function () { setTimeout(poll, 1000); };
    xhr.send();
  }
  if (phase && running[phase.getAttribute("data-phase")]) poll();
})();
