#!/usr/bin/env python3
"""A stand-in for steipete/imsg v0.4.0 `imsg rpc`, for tests and benchmarks (imsg itself only runs on macOS).

Speaks exactly the protocol msgcode uses: JSON-RPC 2.0, one JSON message per line on stdin/stdout.
  watch.subscribe {attachments, since_rowid? | start?}  -> {"subscription": 1}, then "message" notifications
  send {chat_guid, text, file?}                         -> {"ok": true}
  chats.list {limit}                                    -> {"chats": [{id, guid, identifier, name, service, is_group, participants, last_message_at}]}
  messages.history {chat_id, limit, start?, attachments?} -> {"messages": [message payloads, newest first]}
Every send is also a message of its chat, from this side (is_from_me: true): its text as one message and its file as
another, as Messages stores what imsg sends. They are served by messages.history (and count for chats.list), not
streamed to subscribers, so a test's cursors see only the scripted messages; their row ids start at 1000001.
Chats are numbered from the files on each request: a scripted message's chat_id for its chat_guid when that id is
still free, else the next free number; a chat only sent to gets the next free number.
Everything lives in the folder given by --dir (or IMSG_STANDIN_DIR):
  messages.jsonl   the scripted messages (imsg message payloads), one per line; lines appended later are served too
  sends.jsonl      every send, appended as it arrives
  requests.jsonl   every request (method and params)
  pids.txt         the PID of every rpc process started
  options.json     optional: {"duplicates": 2, "dieAfter": n, "noAnswer": ["send"], "pollMs": 20}
Each notification is sent `duplicates` times (default 2: imsg sometimes repeats itself, msgcode must not).
`dieAfter` makes the first rpc process exit abruptly after that many notifications (a crash mid-stream); the
file `died` marks that it happened, so the restarted process serves on.
"""
import json
import os
import sys
import threading
import time
from datetime import datetime, timezone

if len(sys.argv) > 1 and sys.argv[1] in ("--version", "-V", "version"):
    print("imsg 0.4.0 (msgcode test stand-in)")
    sys.exit(0)

args = sys.argv[1:]
folder = os.environ.get("IMSG_STANDIN_DIR")
if "--dir" in args:
    folder = args[args.index("--dir") + 1]
if not folder or "rpc" not in args:
    print("usage: imsg rpc --dir <folder>", file=sys.stderr)
    sys.exit(2)

def path(name):
    return os.path.join(folder, name)

def load_options():
    try:
        with open(path("options.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}

options = load_options()
out_lock = threading.Lock()
sent = 0

def append(name, obj):
    with open(path(name), "a") as f:
        f.write(json.dumps(obj) + "\n")
        f.flush()

def write(obj):
    global sent
    with out_lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

with open(path("pids.txt"), "a") as f:
    f.write(str(os.getpid()) + "\n")

def parse_time(text):
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None

def stream(subscription, since, start):
    global sent
    done = 0
    poll = options.get("pollMs", 20) / 1000.0
    copies = int(options.get("duplicates", 2))
    die_after = options.get("dieAfter") if not os.path.exists(path("died")) else None
    while True:
        try:
            with open(path("messages.jsonl")) as f:
                lines = f.read().split("\n")
        except OSError:
            lines = []
        complete = lines[:-1]  # the last piece is a partial line (or empty)
        for line in complete[done:]:
            done += 1
            if not line.strip():
                continue
            message = json.loads(line)
            if since is not None and message["id"] <= since:
                continue
            if start is not None:
                created = parse_time(message.get("created_at"))
                if created is not None and created < start:
                    continue
            for _ in range(copies):
                write({"jsonrpc": "2.0", "method": "message", "params": {"subscription": subscription, "message": message}})
                sent += 1
                if die_after is not None and sent >= die_after:
                    open(path("died"), "w").close()
                    os._exit(1)
        time.sleep(poll)

def read_jsonl(name):
    try:
        with open(path(name)) as f:
            return [json.loads(line) for line in f.read().split("\n")[:-1] if line.strip()]
    except (OSError, ValueError):
        return []

def iso(ms):
    return datetime.fromtimestamp(ms / 1000.0, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

def chats_and_messages():
    """The chats (guid -> row) and every message of each (scripted ones and our sends), as imsg would see chat.db."""
    chats = {}
    used = set()
    def chat_for(guid, wanted=None):
        if guid not in chats:
            number = wanted if wanted is not None and wanted not in used else max(used | {0}) + 1
            used.add(number)
            chats[guid] = {"id": number, "guid": guid, "identifier": guid.split(";")[-1], "name": "", "service": "iMessage",
                           "is_group": ";+;" in guid, "participants": [], "last_message_at": None, "messages": []}
        return chats[guid]
    for message in read_jsonl("messages.jsonl"):
        guid = message.get("chat_guid") or str(message.get("chat_id"))
        chat = chat_for(guid, message.get("chat_id"))
        if message.get("sender") and not message.get("is_from_me") and message["sender"] not in chat["participants"]:
            chat["participants"].append(message["sender"])
        chat["messages"].append(dict(message, reactions=message.get("reactions", [])))
    rowid = 1000000
    for index, sent in enumerate(read_jsonl("sends.jsonl")):
        chat = chat_for(sent.get("chat_guid"))
        at = iso(sent.get("tsMs", 0))
        pieces = ([(sent.get("text"), None)] if sent.get("text") else []) + ([("", sent.get("file"))] if sent.get("file") else [])
        for text, file in pieces:
            rowid += 1
            attachments = [] if not file else [{"filename": file, "transfer_name": os.path.basename(file), "uti": "", "mime_type": "",
                                                "total_bytes": 0, "is_sticker": False, "original_path": file, "missing": False}]
            chat["messages"].append({"id": rowid, "chat_id": chat["id"], "guid": "sent-%d-%d" % (index, rowid), "sender": "", "is_from_me": True,
                                     "text": text, "created_at": at, "attachments": attachments, "reactions": []})
    for chat in chats.values():
        for message in chat["messages"]:
            message.update({"chat_id": chat["id"], "chat_identifier": chat["identifier"], "chat_guid": chat["guid"], "chat_name": chat["name"],
                            "participants": chat["participants"], "is_group": chat["is_group"]})
        times = [t for t in (parse_time(m.get("created_at")) for m in chat["messages"]) if t is not None]
        chat["last_message_at"] = max(times) if times else None
    return chats

def chat_row(chat):
    last = chat["last_message_at"]
    return {k: chat[k] for k in ("id", "guid", "identifier", "name", "service", "is_group", "participants")} | {
        "last_message_at": iso(last.timestamp() * 1000) if last else iso(0)}

def history(params):
    chat_id = params.get("chat_id")
    if not isinstance(chat_id, int):
        return None
    start = parse_time(params.get("start")) if params.get("start") else None
    chats = [c for c in chats_and_messages().values() if c["id"] == chat_id]
    messages = chats[0]["messages"] if chats else []
    if start is not None:
        messages = [m for m in messages if (parse_time(m.get("created_at")) or start) >= start]
    messages = sorted(messages, key=lambda m: (parse_time(m.get("created_at")) or datetime.min.replace(tzinfo=timezone.utc), m["id"]), reverse=True)
    messages = messages[: max(int(params.get("limit") or 50), 1)]
    if not params.get("attachments"):
        messages = [dict(m, attachments=[], reactions=[]) for m in messages]
    return messages

subscriptions = 0
for raw in sys.stdin:
    raw = raw.strip()
    if not raw:
        continue
    try:
        request = json.loads(raw)
    except ValueError:
        write({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
        continue
    method = request.get("method")
    params = request.get("params") or {}
    append("requests.jsonl", {"method": method, "params": params, "id": request.get("id")})
    if "id" not in request:
        continue  # a notification to us: nothing to answer
    if method in options.get("noAnswer", []):
        continue
    if method == "watch.subscribe":
        subscriptions += 1
        since = params.get("since_rowid")
        start = parse_time(params.get("start")) if params.get("start") else None
        write({"jsonrpc": "2.0", "id": request["id"], "result": {"subscription": subscriptions}})
        threading.Thread(target=stream, args=(subscriptions, since, start), daemon=True).start()
    elif method == "send":
        if not any(params.get(k) for k in ("to", "chat_id", "chat_guid", "chat_identifier")) or "text" not in params:
            write({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32602, "message": "send needs a target and text"}})
            continue
        append("sends.jsonl", {"chat_guid": params.get("chat_guid"), "text": params.get("text"), "file": params.get("file"), "tsMs": int(time.time() * 1000)})
        write({"jsonrpc": "2.0", "id": request["id"], "result": {"ok": True}})
    elif method == "chats.list":
        rows = sorted(chats_and_messages().values(), key=lambda c: c["last_message_at"] or datetime.min.replace(tzinfo=timezone.utc), reverse=True)
        write({"jsonrpc": "2.0", "id": request["id"], "result": {"chats": [chat_row(c) for c in rows[: max(int(params.get("limit") or 20), 1)]]}})
    elif method == "messages.history":
        messages = history(params)
        if messages is None:
            write({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32602, "message": "chat_id is required"}})
        else:
            write({"jsonrpc": "2.0", "id": request["id"], "result": {"messages": messages}})
    else:
        write({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "method not found: %s" % method}})
sys.exit(0)
