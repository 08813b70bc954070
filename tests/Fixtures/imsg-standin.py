#!/usr/bin/env python3
"""A stand-in for steipete/imsg v0.4.0 `imsg rpc`, for tests and benchmarks (imsg itself only runs on macOS).

Speaks exactly the protocol msgcode uses: JSON-RPC 2.0, one JSON message per line on stdin/stdout.
  watch.subscribe {attachments, since_rowid? | start?}  -> {"subscription": 1}, then "message" notifications
  send {chat_guid, text, file?}                         -> {"ok": true}
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
    else:
        write({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "method not found: %s" % method}})
sys.exit(0)
