#!/usr/bin/env python3
"""A loopback stand-in for the model APIs the agent CLIs talk to, for tests only.

It speaks three vendors' wire formats, each with streaming (SSE), on one port:
  POST /v1/messages            Anthropic Messages (Claude Code)          -> anthropic.py
  POST /v1/responses           OpenAI Responses (Codex)                  -> responses.py
  POST /v1/chat/completions    OpenAI chat completions (OpenCode, LM Studio) -> chat.py

What the model "does" is read from the last user message, so one server serves every test:
  WRITE <path> <word>   first turn: a tool call that the CLI itself executes, writing <word> to <path>
                        (with the tool name and input schema that the CLI advertised in that request);
                        the turn after the tool result: a final text "Wrote <path>."
  FAIL <status>         answer with that HTTP status (401, 500, ...) and the vendor's error body
  GARBAGE               answer 200 with a body that is not the vendor's format
  SLOW <seconds>        stream the answer's text in pieces spread over that many seconds
  THEN-WAIT <seconds>   (with WRITE) wait that long before answering the turn that carries the tool's result
  anything else         a final text: "ANSWER <n>" where n is the length in characters of the user text
A request whose API key is "bad-key" gets 401 whatever it asks.

Every request is appended to the log file (--log) as one JSON line: {path, headers, body}, so a test can
assert what reached the "model" byte for byte. The chosen port is written to --port-file once listening.
Nothing here talks to anything but its own clients.
"""
import argparse
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import anthropic  # noqa: E402
import responses  # noqa: E402
import chat  # noqa: E402

ROUTES = {
    "/v1/messages": anthropic.handle,
    "/v1/responses": responses.handle,
    "/v1/chat/completions": chat.handle,
    "/chat/completions": chat.handle,
    "/responses": responses.handle,
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "model-standin/1"

    def log_message(self, format, *args):  # quiet: the request log is the record
        pass

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def do_GET(self):
        path = self.path.split("?")[0]
        self.server.record(self, path, None)
        if path.endswith("/models"):
            common.send_json(self, 200, {"object": "list", "data": [{"id": "standin-model", "object": "model", "owned_by": "standin"}]})
        else:
            common.send_json(self, 404, {"error": {"message": f"no route {path}"}})

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        path = self.path.split("?")[0]
        raw = self._read_body()
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        self.server.record(self, path, body)
        handler = ROUTES.get(path)
        if handler is None:
            # count_tokens and other side calls: a small honest answer rather than a failure
            if path.endswith("/count_tokens"):
                common.send_json(self, 200, {"input_tokens": 10})
                return
            common.send_json(self, 404, {"error": {"message": f"no route {path}"}})
            return
        wait = common.then_wait(body)
        if wait:
            time.sleep(wait)
        key = common.api_key(self.headers)
        if key == "bad-key":
            handler(self, body, common.Directive("FAIL", "401"))
            return
        handler(self, body, common.directive_of(common.last_user_text(body)))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, log_path):
        super().__init__(address, Handler)
        self.log_path = log_path
        self.lock = threading.Lock()

    def record(self, handler, path, body):
        line = json.dumps({
            "t": time.time(),
            "method": handler.command,
            "path": path,
            "headers": {k.lower(): v for k, v in handler.headers.items()},
            "body": body,
        }, ensure_ascii=False)
        with self.lock:
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(line + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--log")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), args.log)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(port, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
