/* The console's live preview: the widget form's values, unsaved, go to the preview page in the frame beside
 * it (its address carries them; the page embeds the real widget with them). Debounced, so typing an accent
 * colour reloads the widget once. The same query as server/web/site_page.py preview_query. */
(function () {
  "use strict";
  var form = document.getElementById("widget-form");
  var frame = form && document.getElementById(form.dataset.preview);
  if (!frame) return;
  var timer = null;
  function query() {
    var data = new FormData(form), pairs = [];
    ["theme", "runtime", "accent", "side", "offset", "lang", "sound"].forEach(function (name) {
      pairs.push([name, String(data.get(name) || "")]);
    });
    pairs.push(["features", data.getAll("features").join(",")]);
    String(data.get("extensions") || "").split("\n").forEach(function (line) {
      if (line.trim()) pairs.push(["ext", line.trim()]);
    });
    return new URLSearchParams(pairs).toString();
  }
  function refresh() {
    timer = null;
    var url = frame.dataset.base + "?" + query();
    if (frame.getAttribute("src") !== url) frame.setAttribute("src", url);
  }
  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
