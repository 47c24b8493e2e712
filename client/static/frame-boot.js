/*! Parley frame boot: starts PyScript in the widget frame, on an in-memory IndexedDB.
 * A cross-site frame is often refused IndexedDB (third-party storage blocked), and PyScript then fails
 * (MicroPython) or waits forever (Pyodide). The frame keeps nothing in IndexedDB (the sign-in lives in a
 * partitioned cookie), so it always runs on fake-indexeddb (one module bundled by build.py, preloaded by the
 * page): the same behaviour in every browser, and no probe on the boot path (it cost 40-70 ms, up to its 1 s
 * timeout). performance marks parley:boot, parley:storage and parley:core time the steps (docs/performance.md).
 * It also starts a returning visitor's silent sign-in at once (POST /frame/session/refresh with the lists and
 * what the frame kept), beside the interpreter's start instead of after it: parley.auth.FrameAuth.restore
 * takes that answer (globalThis.parleyRestore) instead of asking again. The site's launcher settings
 * ("look") are posted to the host page first thing.
 * The frame page's DPoP key (dpop.js, non-extractable, one per frame page) is made here too, so that request
 * already carries a proof (with the nonce the page's config brings) and its access token is bound to the key;
 * Python takes the same key (globalThis.parleyDpop) for every later proof.
 * A re-entry paints the panel as the visitor left it before Python is up: the place the last page kept (in
 * the page itself, #parley-kept, when the server holds it; the frame's sessionStorage; else the sign-in
 * answer's "kept") carries the panel's last drawing (parley.place
 * paint_of: markup the browser serialized from the DOM the widget built, written only by this frame). It is
 * painted inert (no data-action, so the widget's handlers ignore it), with its message box live: what is
 * typed there, and sent with Enter, waits in the root's data-early for the live widget (parley.painted).
 * parley:painted marks it; the host page is told ("painted") so that an open panel is shown at once. */
const me = document.currentScript || document.querySelector("script[data-core]");
const { core, idb, dpop } = me.dataset;
performance.mark("parley:boot");
const INERT = "script,iframe,frame,object,embed,link,meta,style,base,form";

function paint(text, config, user) {
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

try {
  const config = JSON.parse(document.getElementById("parley-config").textContent);
  const inPage = document.getElementById("parley-kept");  // the server's copy (server/widget/paint.py)
  if (inPage) paint(JSON.parse(inPage.textContent), config, null);
  try {  // else the frame's own storage, when the browser grants it
    const kept = sessionStorage.getItem("parley.place." + config.site.client_id);
    if (kept) paint(kept, config, null);
  } catch (e) { /* refused: the sign-in answer may bring the place */ }
  // The site's launcher settings (side, offset, accent, sound, language) go to the loader at once, before
  // Python starts, so the launcher moves to its place without waiting for the widget.
  if (config.look && window.parent !== window) {
    window.parent.postMessage(Object.assign({}, config.look, { parley: 1, type: "look" }), config.host_origin);
  }
  const url = config.public_url + "/frame/session/refresh";
  const key = globalThis.parleyDpop = import(dpop).then((module) => module.pageKey());
  const ask = async (nonce) => {
    const response = await fetch(url, {
      method: "POST",
      credentials: "include",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-Parley-Frame": "1",
                 "DPoP": await (await key).proof("POST", url, nonce, "") },
      body: JSON.stringify({ client_id: config.site.client_id, include: "friends conversations kept" }),
    });
    const answer = { status: response.status, text: response.status === 204 ? "" : await response.text(),
                     nonce: response.headers.get("DPoP-Nonce") || "" };
    return answer;
  };
  globalThis.parleyRestore = ask(config.dpop_nonce).then(async (answer) => {
    // The config's nonce went stale (a page kept open for long): once more with the fresh one.
    const stale = answer.status === 400 && answer.nonce && answer.text.includes('"use_dpop_nonce"');
    return stale ? ask(answer.nonce) : answer;
  }).catch(() => ({ status: 0, text: "", nonce: "" }));  // no network: FrameAuth retries it later
  globalThis.parleyRestore.then((answer) => {
    if (answer.status !== 200) return;
    const body = JSON.parse(answer.text);
    if (body.kept && typeof body.kept.place === "string" && body.user) paint(body.kept.place, config, body.user.id);
  }).catch(() => { /* not painted: Python draws */ });
} catch (e) { /* no config: Python asks itself */ }
const fake = await import(idb);
const define = (name, value) => Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
define("indexedDB", fake.indexedDB);
define("IDBKeyRange", fake.IDBKeyRange);
document.documentElement.dataset.storage = "memory";
performance.mark("parley:storage");
await import(core);
performance.mark("parley:core");
