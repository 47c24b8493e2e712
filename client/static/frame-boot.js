/*! Parley frame boot: starts PyScript in the widget frame. A cross-site frame may be refused IndexedDB
 * (third-party storage blocked) and PyScript then fails (MicroPython) or waits forever (Pyodide): in that case an
 * in-memory IndexedDB (fake-indexeddb, from the bundle) stands in before PyScript loads. */
const me = document.currentScript || document.querySelector("script[data-core]");
const { core, idb, runtime } = me.dataset;

function storageRefused() {
  return new Promise((resolve) => {
    try {
      const request = indexedDB.open("parley-probe");
      request.onsuccess = () => { request.result.close(); resolve(false); };
      request.onerror = () => resolve(true);
      request.onblocked = () => resolve(true);
      setTimeout(() => resolve(true), 1000);
    } catch (error) {
      resolve(true);
    }
  });
}

if (await storageRefused()) {
  const { default: fakeIndexedDB } = await import(idb + "fakeIndexedDB.js");
  const { default: FDBKeyRange } = await import(idb + "FDBKeyRange.js");
  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  define("indexedDB", fakeIndexedDB);
  define("IDBKeyRange", FDBKeyRange);
  document.documentElement.dataset.storage = "memory";
}
await import(core);
