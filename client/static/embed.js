/*! Parley loader: draws the launcher at once, opens the widget frame (Parley origin) right after it, and
 * carries a small postMessage bridge with exact origins both ways.
 * Snippet: <script src="https://PARLEY/embed.js" data-site="CLIENT_ID" async></script>
 * Optional attributes: data-runtime="micropython|pyodide", data-theme="light|dark|auto", data-lang="en|fr",
 * data-sound="on|off" (a soft chime when a message arrives while the chat is closed or the tab hidden); the
 * visitor's own choice in the widget's settings ("on"/"off"), when made, wins over the site's;
 * data-side="right|left", data-offset="0..200" (px from the page's edges), data-accent="#rrggbb".
 * Every one of them is a setting of the site in the Parley console: the frame tells the loader the site's
 * choice ("look", as soon as its page loads) and an attribute given here overrides it for this page only.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.Parley && window.Parley._loaded) return;
  var origin = new URL(script.src).origin;
  var ds = script.dataset;
  var site = ds.site || "";
  var listeners = {};
  var queue = [];
  // writers: names of who wrote the unread messages (never their text: that stays in the Parley frame)
  var state = { ready: false, open: false, unread: 0, here: 0, writers: [], more: 0, peek: false, frame: null,
    title: document.title, unsent: false };
  // Whether the panel was open on the last page of this visit: the only thing the host page keeps for the
  // widget (non-sensitive UI state, in its own sessionStorage); drafts and messages stay in the frame.
  var OPEN_KEY = "parley.open." + site;
  function keptOpen() { try { return sessionStorage.getItem(OPEN_KEY); } catch (e) { return null; } }
  function keepOpen(open) { try { sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch (e) { /* refused */ } }
  var WORDS = {
    en: { open: "Open chat", close: "Close chat", unread: " unread", here: " friends on this site", from: " from ",
      more: " and {n} more" },
    fr: { open: "Ouvrir la discussion", close: "Fermer la discussion", unread: " non lus", here: " amis sur ce site",
      from: " de ", more: " et {n} autres" },
    ar: { open: "فتح الدردشة", close: "إغلاق الدردشة", unread: " غير مقروءة", here: " أصدقاء على هذا الموقع",
      from: " من ", more: " و{n} آخرين" },
  };
  function wordsFor(lang) { return WORDS[(lang || navigator.language || "en").slice(0, 2).toLowerCase()] || WORDS.en; }
  var words = wordsFor(ds.lang);
  // The launcher's look: this page's data-* attributes, else the site's settings (the frame's "look").
  var look = { side: ds.side === "left" ? "left" : "right", offset: offsetOf(ds.offset, 20), accent: accentOf(ds.accent),
    sound: ds.sound || "" };
  function offsetOf(value, fallback) {
    var n = parseInt(value, 10);
    return /^\d+$/.test(String(value)) && n >= 0 && n <= 200 ? n : fallback;
  }
  function accentOf(value) { return /^#[0-9a-fA-F]{6}$/.test(String(value || "")) ? String(value).toLowerCase() : ""; }

  // Launcher: a shadow root so host CSS cannot reach it; it never waits for Python.
  var host = document.createElement("parley-launcher");
  host.setAttribute("data-state", "loading");
  var shadow = host.attachShadow({ mode: "open" });
  shadow.innerHTML =
    "<style>:host{all:initial;position:fixed;z-index:2147483000;inset:auto var(--parley-offset,20px) var(--parley-offset,20px) auto}" +
    ":host([data-side=left]){inset:auto auto var(--parley-offset,20px) var(--parley-offset,20px)}" +
    "button{all:unset;box-sizing:border-box;width:56px;height:56px;border-radius:50%;cursor:pointer;" +
    "background:var(--parley-accent,#3056d3);color:#fff;display:grid;place-items:center;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25);transition:transform .15s}" +
    "button:hover{transform:scale(1.06)}button:focus-visible{outline:3px solid #ffbf47;outline-offset:3px}" +
    "svg{width:28px;height:28px;fill:currentColor}" +
    ".b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;" +
    "background:#c62828;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center;box-sizing:border-box}" +
    ".h{position:absolute;bottom:-4px;right:-4px;min-width:18px;height:18px;padding:0 4px;border-radius:9px;" +
    "background:#1b7f3b;color:#fff;font:600 11px/18px system-ui,sans-serif;text-align:center;box-sizing:border-box}" +
    "[hidden]{display:none}</style>" +
    '<button type="button" aria-expanded="false">' +
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>' +
    '</button><span class="b" hidden aria-hidden="true"></span><span class="h" hidden aria-hidden="true"></span>';
  var button = shadow.querySelector("button");
  var badge = shadow.querySelector(".b");
  var hereBadge = shadow.querySelector(".h");
  (document.body || document.documentElement).appendChild(host);
  applyLook();
  renderCounts(); // the launcher's accessible name, in the page's language

  function applyLook() {
    host.setAttribute("data-side", look.side);
    host.style.setProperty("--parley-offset", look.offset + "px");
    if (look.accent) host.style.setProperty("--parley-accent", look.accent);
    else host.style.removeProperty("--parley-accent");
    layout();
  }

  // The site's settings, as the frame page tells them: what this page's snippet does not set itself.
  function siteLook(m) {
    if (!ds.side && (m.side === "left" || m.side === "right")) look.side = m.side;
    if (!ds.offset) look.offset = offsetOf(m.offset, look.offset);
    if (!ds.accent) look.accent = accentOf(m.accent);
    if (!ds.sound && (m.sound === "on" || m.sound === "off")) look.sound = m.sound;
    if (!ds.lang && typeof m.lang === "string" && m.lang) { words = wordsFor(m.lang); renderCounts(); }
    applyLook();
  }

  function frameURL() {
    var q = "site=" + encodeURIComponent(site) + "&host=" + encodeURIComponent(location.origin);
    if (ds.runtime) q += "&runtime=" + encodeURIComponent(ds.runtime);
    if (ds.theme) q += "&theme=" + encodeURIComponent(ds.theme);
    if (ds.lang) q += "&lang=" + encodeURIComponent(ds.lang);
    if (look.accent) q += "&accent=" + encodeURIComponent(look.accent);
    if (ds.preview) q += "&preview=" + encodeURIComponent(ds.preview); // honoured only on Parley's own preview page
    return origin + "/frame?" + q;
  }

  function mountFrame() {
    if (state.frame) return state.frame;
    var f = document.createElement("iframe");
    f.src = frameURL();
    f.title = "Parley chat";
    f.setAttribute("allow", "clipboard-write; storage-access");
    f.style.cssText =
      "position:fixed;z-index:2147483001;border:0;border-radius:14px;box-shadow:0 8px 32px rgba(0,0,0,.3);" +
      "right:20px;bottom:88px;width:min(380px,calc(100vw - 40px));height:min(600px,calc(100vh - 120px));" +
      "background:transparent;color-scheme:normal";
    state.frame = f;
    show();
    (document.body || document.documentElement).appendChild(f);
    layout();
    return f;
  }

  // Horizontal placement on the launcher's side: `gap` px from that edge (the other edge is left free).
  function place(f, gap) {
    var left = look.side === "left";
    f.style.left = left ? gap : "auto";
    f.style.right = left ? "auto" : gap;
  }

  function layout() {
    var f = state.frame;
    if (!f) return;
    var edge = look.offset;
    if (state.peek && !state.open) { // the frame's peek: a small card beside the launcher (who wrote, a preview)
      place(f, edge + 64 + "px");
      f.style.bottom = Math.max(0, edge - 4) + "px";
      f.style.width = "min(300px,calc(100vw - 100px))";
      f.style.height = "64px";
      f.style.borderRadius = "14px";
      f.style.boxShadow = "none"; // the card inside the frame draws its own
      return;
    }
    f.style.boxShadow = "0 8px 32px rgba(0,0,0,.3)";
    if (window.innerWidth <= 480) {
      f.style.left = f.style.right = f.style.bottom = "0";
      f.style.width = "100vw";
      f.style.height = "100vh";
      f.style.borderRadius = "0";
    } else {
      place(f, edge + "px");
      f.style.bottom = edge + 68 + "px";
      f.style.width = "min(380px,calc(100vw - " + 2 * edge + "px))";
      f.style.height = "min(600px,calc(100vh - " + (edge + 100) + "px))";
      f.style.borderRadius = "14px";
    }
  }

  function send(msg) {
    msg.parley = 1;
    if (!state.ready) { queue.push(msg); return; }
    state.frame.contentWindow.postMessage(msg, origin);
  }

  function pageInfo() {
    return { type: "page", url: location.href, title: document.title };
  }

  // Closed, the frame is display:none once ready; until then it stays rendered but unseen and inert, because
  // a display:none cross-site frame gets a background-priority process and boots slower (docs/performance.md).
  function show() {
    var f = state.frame, seen = state.open || state.peek;
    f.style.display = seen || !state.ready ? "block" : "none";
    f.style.opacity = seen ? "" : "0";
    f.style.pointerEvents = seen ? "" : "none";
    f.inert = !seen;
  }

  function setOpen(open) {
    mountFrame();
    showOpen(open);
    send({ type: open ? "open" : "close" });
  }

  // The launcher and the frame as open (or closed); the frame is told by setOpen, or by "ready" when open.
  function showOpen(open) {
    open = open !== false;
    state.open = open;
    state.peek = false;
    keepOpen(open);
    show();
    layout();
    button.setAttribute("aria-expanded", open ? "true" : "false");
    renderCounts();
    emit(open ? "open" : "close", {});
  }

  function renderCounts() {
    badge.hidden = !state.unread;
    badge.textContent = state.unread > 99 ? "99+" : String(state.unread || "");
    hereBadge.hidden = !state.here;
    hereBadge.textContent = String(state.here || "");
    var label = state.open ? words.close : words.open;
    if (state.unread) label += ", " + state.unread + words.unread;
    if (state.unread && state.writers.length) {
      label += words.from + state.writers.join(", ");
      if (state.more) label += words.more.replace("{n}", String(state.more));
    }
    if (state.here) label += ", " + state.here + words.here;
    button.setAttribute("aria-label", label);
    var base = state.title.replace(/^\(\d+\+?\) /, "");
    if (document.hidden && state.unread) document.title = "(" + state.unread + ") " + base;
    else if (document.title !== base && /^\(\d+\+?\) /.test(document.title)) document.title = base;
  }

  var audio = null;
  function chime() {
    var sound = state.sound === "on" || state.sound === "off" ? state.sound : look.sound;
    if (sound !== "on") return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var t = audio.currentTime, gain = audio.createGain(), tone = audio.createOscillator();
      tone.frequency.setValueAtTime(880, t);
      tone.frequency.setValueAtTime(1320, t + 0.09);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.08, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
      tone.connect(gain).connect(audio.destination);
      tone.start(t);
      tone.stop(t + 0.32);
    } catch (e) { /* no audio: stay silent */ }
  }

  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try { fn(detail); } catch (e) { console.error("Parley listener failed", e); }
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !state.frame || event.source !== state.frame.contentWindow) return;
    var m = event.data;
    if (!m || m.parley !== 1 || typeof m.type !== "string") return;
    switch (m.type) {
      case "ready":
        state.ready = true;
        show();
        host.setAttribute("data-state", "ready");
        host.setAttribute("data-runtime", String(m.runtime || ""));
        state.frame.contentWindow.postMessage({ parley: 1, type: "page", url: location.href, title: document.title }, origin);
        if (state.open) state.frame.contentWindow.postMessage({ parley: 1, type: "open" }, origin);
        queue.splice(0).forEach(function (q) { state.frame.contentWindow.postMessage(q, origin); });
        // the panel as the visitor left it on the last page: the frame knows (its own storage), else the host
        if (!state.open && (typeof m.open === "boolean" ? m.open : keptOpen() === "1")) setOpen(true);
        emit("ready", { runtime: m.runtime });
        break;
      case "painted": // the frame painted the panel as the visitor left it (open), before its Python is up
        if (m.open === true && !state.open && !state.ready) showOpen();
        break;
      case "look": siteLook(m); break;
      case "open": setOpen(true); break;
      case "close":
        setOpen(false);
        if (m.focus) button.focus();
        break;
      case "counts":
        if ((m.unread | 0) > state.unread && (document.hidden || !state.open)) chime();
        state.unread = Math.max(0, m.unread | 0);
        state.here = Math.max(0, m.here | 0);
        state.writers = Array.isArray(m.writers) ? m.writers.slice(0, 3).map(function (w) { return String(w).slice(0, 80); }) : [];
        state.more = Math.max(0, m.more | 0);
        renderCounts();
        emit("counts", { unread: state.unread, here: state.here, writers: state.writers.slice() });
        break;
      case "peek":
        state.peek = !!m.show && !state.open;
        show();
        layout();
        break;
      case "focus": button.focus(); break;
      case "sound":
        state.sound = String(m.value || "site");
        break;
      case "event":
        emit(String(m.name), m.detail || {});
        break;
      case "invite-taken": // the invite in this page's address was used: a reload must not offer it again
        if (/[#&]parley-invite=/.test(location.hash)) {
          var rest = location.hash.slice(1).split("&").filter(function (p) { return p && p.indexOf("parley-invite=") !== 0; });
          history.replaceState(history.state, "", location.pathname + location.search + (rest.length ? "#" + rest.join("&") : ""));
          lastUrl = location.href;
        }
        break;
      case "unsent": // a message not yet sent that the frame could not keep for the next page
        state.unsent = m.pending === true;
        break;
    }
  });

  // Leaving the page would lose that message: let the browser ask the visitor first.
  window.addEventListener("beforeunload", function (e) {
    if (!state.unsent) return;
    e.preventDefault();
    e.returnValue = "";
  });

  button.addEventListener("click", function () { setOpen(!state.open); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && state.open) { setOpen(false); button.focus(); }
  });
  document.addEventListener("visibilitychange", renderCounts);
  window.addEventListener("resize", layout);
  var lastUrl = location.href;
  function notePage() {
    if (location.href === lastUrl && document.title === state.title) return;
    lastUrl = location.href;
    state.title = document.title.replace(/^\(\d+\+?\) /, "");
    if (state.ready) send(pageInfo());
  }
  window.addEventListener("popstate", notePage);
  window.addEventListener("hashchange", notePage);
  setInterval(notePage, 2000);

  // At once: the frame is cross-site, so its page and Python load in another process and the host page only
  // pays for one element (docs/performance.md: waiting for the launcher's first frame cost ~20-30 ms of boot).
  mountFrame();

  window.Parley = {
    _loaded: true,
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!state.open); },
    share: function (target) { setOpen(true); send({ type: "share", url: location.href, title: document.title, to: target || null }); },
    on: function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); },
    off: function (name, fn) { listeners[name] = (listeners[name] || []).filter(function (g) { return g !== fn; }); },
    get ready() { return state.ready; },
    get unread() { return state.unread; },
  };
})();
