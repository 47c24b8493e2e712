/* The console's preview page: opens the widget once it is ready, and lists which extension modules loaded
 * and why the others were disabled (the frame's "extensions" event over the bridge). Text only. */
(function () {
  "use strict";
  var box = document.getElementById("parley-extensions");
  var status = document.getElementById("ext-status");
  var list = document.getElementById("ext-list");
  if (!window.Parley) { status.textContent = "The widget loader did not start."; return; }
  function item(url, words, failed) {
    var li = document.createElement("li");
    li.className = failed ? "ext-failed" : "ext-loaded";
    li.textContent = url + " — " + words;
    list.appendChild(li);
  }
  window.Parley.on("extensions", function (detail) {
    var loaded = Array.isArray(detail.loaded) ? detail.loaded : [];
    var failed = detail.failed && typeof detail.failed === "object" ? detail.failed : {};
    var names = Object.keys(failed);
    list.textContent = "";
    loaded.forEach(function (url) { item(String(url), "loaded", false); });
    names.forEach(function (url) { item(String(url), "failed: " + String(failed[url]), true); });
    status.textContent = loaded.length || names.length
      ? loaded.length + " loaded, " + names.length + " failed."
      : "No extension modules.";
    box.dataset.state = names.length ? "failed" : "ok";
  });
  window.Parley.on("ready", function () { window.Parley.open(); });
})();
