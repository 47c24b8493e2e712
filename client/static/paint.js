/*! Parley paint: a re-entry's first paint, the panel as the visitor left it, before Python is up
 * (docs/performance.md, "Re-entry"). A classic script, so it runs as the page is parsed, before any module.
 * - In the copy-paste frame page (end of its body): the place the last page kept comes in the page itself
 *   (#parley-kept, when the server holds it: server/widget/paint.py), else from the frame's sessionStorage;
 *   globalThis.parleyPaint(placeText, userId) paints later (frame-boot.js: the sign-in answer's copy).
 * - In a developer's inline page (`<script src=".../inline/paint.js" data-site="CLIENT_ID" data-target="#chat">`
 *   right after the target element): the page's own sessionStorage (parley.mount(keep="session")); the panel
 *   is painted in a <parley-inline> shadow root that parley.mount() then takes over, and the target is marked
 *   data-parley-paint so that the widget keeps its drawing for the next page.
 * The place carries the panel's last drawing (parley.place.paint_of: markup the browser serialized from the DOM
 * the widget built, written only by the widget). It is painted inert (no scripts, no on* attributes, no
 * data-action: the widget's handlers ignore it), with its message box live: what is typed there, and sent with
 * Enter, waits in the root's data-early for the live widget (parley.painted). parley:painted marks it. */
(function () {
  "use strict";
  const INERT = "script,iframe,frame,object,embed,link,meta,style,base,form";
  const me = document.currentScript;

  // Paint the place kept as `text` into `root` (only over a root nothing drew yet): the place, or null.
  function paint(root, text, user) {
    if (!root || root.dataset.state !== "loading") return null;
    let place = null;
    try { place = JSON.parse(text); } catch (e) { return null; }
    const drawn = place && place.paint;
    if (!drawn || typeof drawn.html !== "string" || (user !== null && place.user !== user)) return null;
    const template = document.createElement("template");
    template.innerHTML = drawn.html;
    template.content.querySelectorAll(INERT).forEach((node) => node.remove());
    template.content.querySelectorAll("*").forEach((node) => {
      for (const attr of Array.from(node.attributes)) {
        if (/^on/i.test(attr.name) || attr.name === "data-action") node.removeAttribute(attr.name);
      }
      if (/^blob:/.test(node.getAttribute("src") || "")) node.removeAttribute("src");  // gone with the last page
    });
    // what was passing on the last page is not shown as if it were now: who was typing, a notice
    template.content.querySelectorAll(".p-typing, .p-notice").forEach((node) => { node.textContent = ""; });
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
    return place;
  }

  function stored(site) {
    try { return sessionStorage.getItem("parley.place." + site) || ""; } catch (e) { return ""; }  // refused
  }

  function inFrame() {
    let config;
    try { config = JSON.parse(document.getElementById("parley-config").textContent); } catch (e) { return; }
    const frame = (text, user) => {
      // only over the server's "Loading…": never over what the live widget drew
      if (!document.getElementById("parley-status")) return;
      const place = paint(document.getElementById("parley-root"), text, user);
      if (place && place.open === true && window.parent !== window) {  // the host page shows the panel open at once
        window.parent.postMessage({ parley: 1, type: "painted", open: true }, config.host_origin);
      }
    };
    globalThis.parleyPaint = frame;
    const inPage = document.getElementById("parley-kept");
    if (inPage) frame(JSON.parse(inPage.textContent), null);
    const kept = stored(config.site.client_id);
    if (kept) frame(kept, null);
  }

  function inline() {
    const target = document.querySelector(me.dataset.target || "");
    const site = me.dataset.site || "";
    if (!target || !site) return;
    target.setAttribute("data-parley-paint", site);  // the widget keeps its drawing for the next page
    const text = stored(site);
    if (!text || target.querySelector("parley-inline")) return;
    const host = document.createElement("parley-inline");  // as parley.mount() makes it (parley/inline.py)
    host.setAttribute("style", "display:block;height:100%;min-height:420px");
    target.appendChild(host);
    const shadow = host.attachShadow({ mode: "open" });
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("widget.css", me.src).href;  // /inline/widget.css beside /inline/paint.js
    const root = document.createElement("div");
    root.className = "parley";
    root.id = "parley-root";
    root.dataset.theme = me.dataset.theme || "auto";
    root.dataset.mode = "inline";
    root.dataset.state = "loading";
    root.setAttribute("aria-label", "Parley");
    root.setAttribute("aria-busy", "true");
    shadow.append(css, root);
    if (!paint(root, text, null)) host.remove();
  }

  if (me && me.dataset.target) inline(); else inFrame();
})();
