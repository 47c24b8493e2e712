"""The widget's one WebSocket: hello with a fresh token, heartbeat, reconnect with backoff (browser I/O).

Frames in and out are plain dicts; parley.protocol encodes and validates them. The connection knows nothing
of chat state: its owner gives it the hello frame to send and receives every server frame.
"""

import asyncio

from pyscript import WebSocket, window
from pyscript.ffi import create_proxy

from parley import protocol as P
from parley.listeners import listen

CONNECTING = "connecting"
ONLINE = "online"
OFFLINE = "offline"

BACKOFF_MS = (250, 500, 1000, 2000, 4000, 8000, 15000)


class Connection:
    """Keeps one socket to `url` open while started.

    make_hello(): coroutine returning the hello frame (it may refresh the access token first);
    on_frame(frame): every decoded server frame; on_status(status): CONNECTING / ONLINE / OFFLINE;
    on_auth_lost(action): P.REFRESH or P.SIGN_OUT: the server refused our credentials.
    """

    def __init__(self, url, make_hello, on_frame, on_status, on_auth_lost):
        self.url = url
        self.make_hello = make_hello
        self.on_frame = on_frame
        self.on_status = on_status
        self.on_auth_lost = on_auth_lost
        self.status = OFFLINE
        self.socket = None
        self.welcomed = False
        self.heartbeat_s = 25
        self.attempt = 0
        self.running = False
        self._generation = 0
        self._online_proxy = None

    def start(self):
        """Open the socket (and keep it open) until stop()."""
        if self.running:
            return
        self.running = True
        if self._online_proxy is None:  # the browser knows before the socket does: follow it
            self._online_proxy = create_proxy(lambda event: self.reconnect_now())
            self._offline_proxy = create_proxy(lambda event: self._went_offline())
            listen(window, "online", self._online_proxy)
            listen(window, "offline", self._offline_proxy)
        self._connect()
        self._loop_task = asyncio.create_task(self._heartbeat())

    def stop(self):
        """Close for good (sign-out)."""
        self.running = False
        self._drop_socket()
        self._set_status(OFFLINE)

    def send(self, frame):
        """Send a frame now if the session is up; False if not (the caller keeps it for later)."""
        if self.socket is None or not self.welcomed:
            return False
        try:
            self.socket.send(P.encode(frame))
        except Exception:
            return False
        return True

    def reconnect_now(self):
        """Skip the backoff wait (the browser came back online, or the user asked)."""
        if self.running and self.status != ONLINE:
            self.attempt = 0
            self._connect()

    def retry_later(self):
        """Try again after the usual backoff (e.g. a token refresh failed because the server was unreachable)."""
        if self.running and self.status != ONLINE:
            self._retry_task = asyncio.create_task(self._retry(self._generation))

    # -- internals --------------------------------------------------------------------------------

    def _drop_socket(self):
        """Close the current socket, if any; its late events are ignored (a new generation starts)."""
        self._generation += 1
        if self.socket is not None:
            try:
                self.socket.close()
            except Exception:
                pass
        self.socket = None

    def _went_offline(self):
        """The browser lost the network: stop trusting the socket; messages wait in the outbox."""
        if not self.running:
            return
        self._drop_socket()
        self.welcomed = False
        self._set_status(OFFLINE)

    def _connect(self):
        self._drop_socket()
        generation = self._generation
        self.welcomed = False
        self._set_status(CONNECTING)
        socket = WebSocket(url=self.url)
        self.socket = socket

        async def on_open(event):
            if generation != self._generation:
                return
            try:
                hello = await self.make_hello()
            except Exception as error:  # the browser calls this handler: nothing above would catch it
                print("parley: could not say hello (" + str(error) + "); reconnecting")
                socket.close()  # on_close retries with backoff
                return
            if hello is None:  # no credentials any more
                self.stop()
                return
            socket.send(P.encode(hello))

        def on_message(event):
            if generation != self._generation:
                return
            try:
                frame = P.parse_server_frame(str(event.data))
            except P.ProtocolError as error:
                print("parley: ignored a malformed server frame:", error)
                return
            if frame["t"] == P.WELCOME:
                self.welcomed = True
                self.attempt = 0
                self.heartbeat_s = max(5, int(frame["heartbeat"] * 0.8))
                self._set_status(ONLINE)
            self.on_frame(frame)

        def on_close(event):
            if generation != self._generation:
                return
            self.socket = None
            self.welcomed = False
            code = int(event.code) if hasattr(event, "code") else 1006
            action = P.close_action(code)
            self._set_status(OFFLINE)
            if action in (P.REFRESH, P.SIGN_OUT):
                self.on_auth_lost(action)
            elif action == P.BANNED:  # banned from this site by its owners: say so, never reconnect
                self.running = False
                self.on_auth_lost(action)  # the owner refreshes and calls reconnect_now(), or signs out
            elif action == P.STOP:
                print(f"parley: the server closed the connection for good (code {code})")
                self.running = False
            elif self.running:
                self._retry_task = asyncio.create_task(self._retry(generation))

        socket.onopen = on_open
        socket.onmessage = on_message
        socket.onclose = on_close

    async def _retry(self, generation):
        delay = BACKOFF_MS[min(self.attempt, len(BACKOFF_MS) - 1)]
        delay = delay // 2 + int(window.Math.random() * delay // 2)  # jitter: no thundering herd
        self.attempt += 1
        await asyncio.sleep(delay / 1000)
        if self.running and generation == self._generation and self.status != ONLINE:
            self._connect()

    async def _heartbeat(self):
        while self.running:
            await asyncio.sleep(self.heartbeat_s)
            if self.running and self.welcomed:
                self.send(P.make_ping())

    def _set_status(self, status):
        if status != self.status:
            self.status = status
            self.on_status(status)
