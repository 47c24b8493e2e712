# Smoke test of parley.protocol and parley.state, in plain asserts: runs under MicroPython 1.27 (through
# micropython_runner.mjs) and under CPython (tests/client/test_client_micropython.py runs both).
import sys

from parley import links, place, urls
from parley import protocol as P
from parley import state as S
from parley.sorting import sorted_by


def refused(text, code):
    try:
        P.parse_client_frame(text)
    except P.ProtocolError as exc:
        assert exc.code == code, (text, exc.code)
        return exc
    raise AssertionError("accepted: " + text)


# -- protocol -------------------------------------------------------------------------------------
frame = P.parse_client_frame('{"t":"send","cid":"c-1","conv":7,"kind":"text","text":"h\\u00e9\\r\\nllo","x":[1]}')
assert frame == {"t": "send", "cid": "c-1", "conv": 7, "kind": "text", "text": "h\u00e9\nllo"}, frame
assert P.parse_client_frame(P.encode(frame)) == frame
assert P.encode({"t": "ping"}) == '{"t":"ping"}'
hello = P.make_hello("tok.en", resume={3: 10, 4: 0}, page={"url": "HTTPS://Example.com/a?b#c", "title": "T\x01"})
assert hello["resume"] == {"3": 10, "4": 0}, hello
assert hello["page"] == {"url": "https://Example.com/a?b#c", "title": "T "}, hello
again = P.parse_client_frame(P.encode(hello))
assert again["resume"] == {3: 10, 4: 0}, again
share = P.make_share("s1", {"url": "http://[::1]:8080/x", "title": "x"}, to=[2, 3, 2])
assert share["to"] == [2, 3]
assert P.url_host("https://Ex.com:8443/p?q") == "ex.com:8443"
assert urls.origin("HTTPS://Shop.Example:8443/x?y") == "https://shop.example:8443"
assert urls.origin("https://user@shop.example/") is None and urls.origin("javascript:alert(1)") is None
assert urls.safe_link("https://x.example/a.png") == "https://x.example/a.png"
assert urls.safe_link("https://x.example/a b") is None and urls.safe_link("data:text/html,x") is None
assert urls.websocket_url("https://p.example") == "wss://p.example"
assert links.runs("see https://x.example/a_(b)). ok") == [
    ("see ", None), ("https://x.example/a_(b)", "https://x.example/a_(b)"), ("). ok", None)]
assert links.runs("javascript:alert(1) xhttps://x.example") == [("javascript:alert(1) xhttps://x.example", None)]

refused("{", P.E_BAD_JSON)
refused("[" * 5000, P.E_BAD_JSON)
refused("[]", P.E_BAD_FRAME)
refused('{"t":"nope","cid":"abc"}', P.E_UNKNOWN_TYPE)
refused('{"t":"send","cid":"c","conv":1,"kind":"text"}', P.E_BAD_FIELD)
refused('{"t":"send","cid":"c","conv":true,"kind":"text","text":"x"}', P.E_BAD_FIELD)
refused('{"t":"send","cid":"c","conv":1.0,"kind":"text","text":"x"}', P.E_BAD_FIELD)
refused('{"t":"send","cid":"c d","conv":1,"kind":"text","text":"x"}', P.E_BAD_FIELD)
refused('{"t":"send","cid":"c","conv":1,"kind":"text","text":"   "}', P.E_BAD_FIELD)
refused('{"t":"send","cid":"c","conv":1,"kind":"text","text":"a\\u0000b"}', P.E_BAD_FIELD)
exc = refused('{"t":"share","cid":"s9","to":[1],"data":{"url":"javascript:alert(1)"}}', P.E_BAD_FIELD)
assert exc.ref == "s9"
refused('{"t":"share","cid":"s","to":[1],"data":{"url":"http://u:p@evil.com/"}}', P.E_BAD_FIELD)
refused('{"t":"ping","pad":"' + "x" * 20000 + '"}', P.E_TOO_BIG)
assert P.close_action(P.CLOSE_REVOKED) == P.SIGN_OUT
assert P.close_action(P.CLOSE_SLOW_CONSUMER) == P.RECONNECT
assert P.error_frame(exc)["ref"] == "s9"

server = P.parse_server_frame(P.encode(P.make_msg(11, 7, 1, 1000, 2, "text", "yo", cid="x")))
assert server["from"] == 2 and server["cid"] == "x"

# -- state ----------------------------------------------------------------------------------------
st = S.ChatState()
events = st.apply(
    P.make_welcome({"id": 1, "name": "Me"}, "sess", 25, [P.make_user_presence(2, "online", True, "Docs")])
)
assert ("me", 1) in events and ("here", 1) in events, events
assert st.friends_here() == [2] and st.title_of(2) == "Docs"
st.add_conversation(7, last_pos=0, read_pos=0)
out = st.queue_send(7, "text", text="first", cid="c1", now=5)
assert st.outbox_frames() == [out]
assert [r["text"] for r in st.conversations[7].pending] == ["first"]
events = st.apply(P.make_ack("c1", 100, 7, 1, 6))
assert st.outbox_frames() == [] and st.conversations[7].pending == []
assert [m["text"] for m in st.conversations[7].messages] == ["first"]
for pos in (4, 3, 3, 2):
    st.apply(P.make_msg(100 + pos, 7, pos, 10 + pos, 2, "text", "m" + str(pos)), now=50)
conv = st.conversations[7]
assert [m["pos"] for m in conv.messages] == [1, 2, 3, 4], [m["pos"] for m in conv.messages]
assert conv.head == 4 and st.unread_total() == 3
assert st.resume_positions() == {7: 4}
assert st.apply(P.make_user_typing(7, 2), now=100) == [("typing", 7)]
assert conv.typing_users(100 + P.TYPING_TTL_MS - 1) == [2]
assert st.expire_typing(100 + P.TYPING_TTL_MS) == [("typing", 7)]
read = st.mark_read(7)
assert read == {"t": "read", "conv": 7, "pos": 4} and st.unread_total() == 0
assert st.apply(P.make_user_presence(2, "offline", False)) == [("presence", 2), ("here", 0)]
# issue 14: a live message before opening is not the latest page; who wrote; counting as the server counts
st.add_conversation(8, last_pos=3, read_pos=3, info={"kind": "direct", "members": [1, 2]})
st.apply(P.make_msg(300, 8, 4, 40, 2, "text", "are you reading this too?"), now=60)
assert st.needs_latest(8) and st.conversations[8].has_more
summary = st.unread_summary()
assert [(e["conv"], e["count"], e["from"]) for e in summary] == [(8, 1, 2)], summary
assert summary[0]["message"]["text"] == "are you reading this too?"
st.request_history("h8", 8)
assert not st.needs_latest(8)
assert P.text_length(" \U0001F600\U0001F44D\r\nok ") == 5
# sorted_by: the order of sorted(key=...), with the key computed once per item (MicroPython's own sort calls
# it on every comparison)
calls = []


def key(item):
    calls.append(item)
    return item[0]


items = [(3, "c"), (1, "a"), (2, "b"), (1, "a2"), (3, "c2")] * 12
# stable, as CPython's sorted is (MicroPython's quicksort is not): equal keys keep their order
assert sorted_by(items, key) == [item for k in (1, 2, 3) for item in items if item[0] == k]
assert len(calls) == len(items), len(calls)

# place: the visitor's place and outbox across pages, read back checked
raw = place.save_place(1, True, "chat", 7, place.scroll_anchor(12, -3), {7: "d\u00e9j\u00e0 \U0001F600"})
assert place.read_place(raw, 1) == {"open": True, "screen": "chat", "conv": 7, "scroll": {"pos": 12, "offset": -3},
                                    "drafts": {7: "d\u00e9j\u00e0 \U0001F600"}, "paint": None}, place.read_place(raw, 1)
assert place.read_place(raw, 2)["drafts"] == {}
drawn = place.paint_of("chat", 7, "<ol class=\"p-log\"><li>d\u00e9j\u00e0</li></ol>")
assert place.read_place(place.save_place(1, True, "chat", 7, None, {}, drawn), 1)["paint"] == drawn
assert place.read_place(place.save_place(1, True, "home", None, None, {}, drawn), 1)["paint"] is None
for bad in ("", "{", "[1]", "{" * 5000, '{"v":1,"user":1,"drafts":{"x":1},"screen":"chat"}'):
    assert place.read_place(bad, 1)["screen"] == "home", bad
kept = S.ChatState(me=1)
kept.queue_send(7, "text", text="one", cid="k1", now=5)
kept.queue_share("k2", {"url": "https://example.com/"}, to=[2], now=6)
again = S.ChatState(me=1)
assert place.requeue(again, place.read_outbox(place.save_outbox(1, kept.outbox), 1)) == [7]
assert again.outbox_frames() == kept.outbox_frames(), again.outbox_frames()
assert place.read_outbox('{"v":1,"user":1,"entries":[{"frame":{"t":"send"}}]}', 1) == []
# people: relations, system lines, picker limits, invite links (parley.people)
from parley import people as PP  # noqa: E402

folks = PP.People()
folks.load({"friends": [{"id": 2, "username": "bob", "display_name": "Bob"}]})
assert folks.set({"id": 3, "username": "carol", "name": "Carol"}, "incoming") == "none"
assert [p["id"] for p in folks.with_rel("friends")] == [2] and folks.rel_of(3) == "incoming"
names = {1: "Alice", 2: "Bob", 3: "Carol"}.get
assert PP.system_line(1, {"event": "added", "users": [2, 3]}, names,
                      lambda key, **p: {"sys_added": "{who} added {names}", "and_names": "{names} and {last}"}[key]
                      .replace("{who}", str(p.get("who"))).replace("{names}", str(p.get("names")))
                      .replace("{last}", str(p.get("last")))) == "Alice added Bob and Carol"
picked = PP.Selection(2)
assert picked.toggle(("user", 2)) and picked.toggle(("conv", 5)) and not picked.toggle(("user", 3))
assert PP.invite_code(PP.invite_link("https://a.example/p#x", "c0de")) == "c0de"
assert PP.without_invite("https://a.example/p#parley-invite=c0de") == "https://a.example/p"
print("MP-SMOKE-OK", sys.implementation.name)
