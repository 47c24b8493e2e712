"""DPoP for the widget (browser I/O): the page's proof-of-possession key and the server's latest nonce.

The key is a JS object from Parley's client/static/dpop.js (WebCrypto ECDSA P-256, private half
non-extractable); Python asks it for proofs and awaits them. The copy-paste frame takes the key its boot script
made (window.parleyDpop); an inline page imports dpop.js from the Parley server and keeps its key in IndexedDB
(persist="session") or in the page only.
"""

import asyncio

from pyscript import window


class Dpop:
    """One page's DPoP key (made once, on first use) and the nonce to put in the next proof."""

    def __init__(self, module_url, nonce="", stored_as=None):
        self.module_url = module_url  # Parley's dpop.js
        self.stored_as = stored_as  # IndexedDB name of a kept key, or None: a key for this page only
        self.nonce = nonce or ""
        self._key = None
        self._lock = asyncio.Lock()

    async def _make(self):
        started = getattr(window, "parleyDpop", None)
        if started is not None and self.stored_as is None:  # the frame's boot script made it already
            return await started
        from pyscript import js_import

        modules = await js_import(self.module_url)
        module = modules[0]
        if self.stored_as:
            return await module.storedKey(self.stored_as)
        return await module.pageKey()

    async def key(self):
        """The JS key (the same one for the life of the page)."""
        async with self._lock:
            if self._key is None:
                self._key = await self._make()
        return self._key

    async def proof(self, method, url, token=""):
        """A proof for `method url` with the current nonce (and `ath` of `token`, when given)."""
        key = await self.key()
        return str(await key.proof(method, url, self.nonce or "", token or ""))

    def saw(self, nonce):
        """Keep a DPoP-Nonce the server sent (every answer of a DPoP request carries a fresh one)."""
        if nonce:
            self.nonce = str(nonce)
