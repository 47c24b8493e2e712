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
 * A re-entry's first paint (the panel as the visitor left it) is paint.js's, as the page is parsed;
 * when neither the page nor the frame's storage had the place, the sign-in answer's "kept" is painted here. */
const me = document.currentScript || document.querySelector("script[data-core]");
const { core, idb, dpop } = me.dataset;
performance.mark("parley:boot");
try {
  const config = JSON.parse(document.getElementById("parley-config").textContent);
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
    if (body.kept && typeof body.kept.place === "string" && body.user && globalThis.parleyPaint) {
      globalThis.parleyPaint(body.kept.place, body.user.id);  // not painted yet (paint.js): now
    }
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
