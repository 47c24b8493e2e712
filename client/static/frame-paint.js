/*! Parley frame paint: a re-entry's first paint, before Python is up (docs/performance.md, "Re-entry").
 * A classic script at the end of the frame page's body, so it runs as the page is parsed, before the module
 * boot. The place the last page kept (in the page itself, #parley-kept, when the server holds it: server/
 * widget/paint.py; else the frame's own sessionStorage) carries the panel's last drawing (parley.place
 * paint_of: markup the browser serialized from the DOM the widget built, written only by this frame). It is
 * painted inert (no scripts, no on* attributes, no data-action: the widget's handlers ignore it), with its
 * message box live: what is typed there, and sent with Enter, waits in the root's data-early for the live
 * widget (parley.painted). parley:painted marks it; the host page is told ("painted") so that an open panel
 * is shown at once. globalThis.parleyPaint(placeText, userId) paints later (frame-boot.js: the sign-in
 * answer's copy). */
(function () {
  "use strict";
  let config;
  try { config = JSON.parse(document.getElementById("parley-config").textContent); } catch (e) { return; }
  const INERT = "script,iframe,frame,object,embed,link,meta,style,base,form";

  function paint(text, user) {
    const root = document.getElementById("parley-root");
    // only over the server's "Loading…": never over what the live widget drew
    if (!root || root.dataset.state !== "loading" || !document.getElementById("parley-status")) return;
    let place = null;
    try { place = JSON.parse(text); } catch (e) { return; }
    const drawn = place && place.paint;
    if (!drawn || typeof drawn.html !== "string" || (user !== null && place.user !== user)) return;
    const template = document.createElement("template");
    template.innerHTML = drawn.html;
    template.content.querySelectorAll(INERT).forEach((node) => node.remove());
    template.content.querySelectorAll("*").forEach((node) => {
      for (const attr of Array.from(node.attributes)) {
        if (/^on/i.test(attr.name) || attr.name === "data-action") node.removeAttribute(attr.name);
      }
      if (/^blob:/.test(node.getAttribute("src") || "")) node.removeAttribute("src");  // gone with the last page
    });
    root.replaceChildren(template.content);
    root.dataset.state = "painted";
    root.dataset.screen = drawn.screen === "chat" ? "chat" : "home";
    const early = { conv: drawn.conv, sends: [], typed: false };
    const keep = () => { root.dataset.early = JSON.stringify(early); };
    const log = root.querySelector(".p-log");
    const box = root.querySelector("textarea");
    if (box && drawn.screen === "chat") {
      const drafts = place.drafts || {};
      box.disabled = false;
      box.value = typeof drafts[drawn.conv] === "string" ? drafts[drawn.conv] : "";
      box.addEventListener("input", () => { early.typed = true; keep(); });
      box.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" || event.shiftKey || event.isComposing || root.dataset.state !== "painted") return;
        event.preventDefault();
        if (!box.value.trim()) return;
        early.sends.push(box.value);
        early.typed = true;
        if (log) {  // shown at once as the visitor's message on its way (as text, never markup)
          const item = document.createElement("li");
          item.className = "p-msg p-mine p-early";
          const bubble = item.appendChild(document.createElement("div"));
          bubble.className = "p-bubble";
          const line = bubble.appendChild(document.createElement("p"));
          line.className = "p-text";
          line.textContent = box.value;
          log.appendChild(item);
        }
        box.value = "";
        keep();
        if (log) log.scrollTop = log.scrollHeight;
      });
    }
    keep();
    if (log) log.scrollTop = log.scrollHeight;
    performance.mark("parley:painted");
    if (place.open === true && window.parent !== window) {
      window.parent.postMessage({ parley: 1, type: "painted", open: true }, config.host_origin);
    }
  }

  globalThis.parleyPaint = paint;
  const inPage = document.getElementById("parley-kept");
  if (inPage) paint(JSON.parse(inPage.textContent), null);
  try {  // else the frame's own storage, when the browser grants it
    const kept = sessionStorage.getItem("parley.place." + config.site.client_id);
    if (kept) paint(kept, null);
  } catch (e) { /* refused: the sign-in answer may bring the place (frame-boot.js) */ }
})();
