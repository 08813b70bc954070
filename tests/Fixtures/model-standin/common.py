"""What the three wire formats share: directives read from the prompt, JSON and SSE replies."""
import json
import re
import time


class Directive:
    def __init__(self, verb, *args):
        self.verb = verb
        self.args = args

    def __repr__(self):
        return f"Directive({self.verb}, {self.args})"


_PATTERNS = [
    (re.compile(r"\bWRITE\s+(\S+)\s+(\S+)"), "WRITE"),
    (re.compile(r"\bFAIL\s+(\d{3})"), "FAIL"),
    (re.compile(r"\bGARBAGE\b"), "GARBAGE"),
    (re.compile(r"\bSLOW\s+(\d+(?:\.\d+)?)"), "SLOW"),
]


def directive_of(text):
    for pattern, verb in _PATTERNS:
        m = pattern.search(text or "")
        if m:
            return Directive(verb, *m.groups())
    return Directive("ANSWER", str(len(text or "")))


def intent_text(directive):
    """The text a model says before its tool call."""
    return f"I will write {directive.args[0]}." if directive.verb == "WRITE" else "Working on it."


_THEN_WAIT = re.compile(r"\bTHEN-WAIT\s+(\d+(?:\.\d+)?)")


def then_wait(body):
    """Seconds to wait before answering a turn that carries a tool's result (THEN-WAIT <s> in any user text), else 0."""
    texts = "\n".join(user_texts(body))
    m = _THEN_WAIT.search(texts)
    if not m or not has_tool_result(body):
        return 0.0
    return float(m.group(1))


def has_tool_result(body):
    """Whether the request carries the result of a tool call, in any of the three formats."""
    for item in body.get("messages") or []:
        if isinstance(item, dict):
            if item.get("role") == "tool":
                return True
            content = item.get("content")
            if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in content):
                return True
    items = body.get("input")
    if isinstance(items, list):
        return any(isinstance(i, dict) and str(i.get("type", "")).endswith("_output") for i in items)
    return False


def api_key(headers):
    key = headers.get("x-api-key")
    if key:
        return key
    auth = headers.get("Authorization") or ""
    return auth[7:] if auth.lower().startswith("bearer ") else auth


def _text_of(content):
    """The text of a message's content in any of the three formats (a string, or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") in ("text", "input_text") and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    return ""


def user_texts(body):
    """Every user text of the request, oldest first (Anthropic/chat 'messages', Responses 'input')."""
    texts = []
    items = body.get("messages")
    if items is None:
        items = body.get("input")
    if isinstance(items, str):
        return [items]
    for item in items or []:
        if isinstance(item, dict) and item.get("role") == "user":
            text = _text_of(item.get("content"))
            if text:
                texts.append(text)
    return texts


def last_user_text(body):
    texts = user_texts(body)
    return texts[-1] if texts else ""


def send_json(handler, status, obj):
    data = json.dumps(obj).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


def send_garbage(handler):
    data = b"<html>this is not an API</html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


class Sse:
    """A server-sent-events reply, written and flushed event by event."""

    def __init__(self, handler):
        self.handler = handler
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True

    def event(self, data, name=None):
        text = ""
        if name:
            text += f"event: {name}\n"
        text += "data: " + (data if isinstance(data, str) else json.dumps(data)) + "\n\n"
        self.handler.wfile.write(text.encode("utf-8"))
        self.handler.wfile.flush()


def pieces(text, directive):
    """The answer text split for streaming, with the delay between pieces (SLOW spreads them out)."""
    if directive.verb == "SLOW":
        total = float(directive.args[0])
        count = max(1, int(total * 4))
        words = [f"part{i} " for i in range(count)]
        return [(w, total / count) for w in words] + [(text, 0)]
    return [(text, 0)]


def stream_pieces(text, directive, emit):
    for piece, delay in pieces(text, directive):
        if delay:
            time.sleep(delay)
        emit(piece)
