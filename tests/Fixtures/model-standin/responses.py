"""OpenAI Responses API (POST /v1/responses), streaming, as the Codex CLI speaks it.

Each reply is the event sequence of the real API: response.created, response.in_progress, then per output
item response.output_item.added, its deltas and .done events, response.output_item.done, and last
response.completed carrying usage {input_tokens, input_tokens_details, output_tokens,
output_tokens_details, total_tokens}. Codex acts on output_item.done, output_text.delta and
response.completed; the rest is there so that a stricter client is served too.

WRITE <path> <word> answers with a short text (common.intent_text) and a call to a file-writing tool that the request advertised in "tools":
apply_patch (Codex's freeform custom tool, or a function with an "input" string) by preference, since it
needs no shell and behaves the same on every OS; else a shell-like function (exec_command, shell_command,
shell, local_shell), running printf (or, when Codex reports a PowerShell shell, [IO.File]::WriteAllText)
so that either way the file holds "<word>\n". Once the input holds that call's output (after the last user
message), the answer is the text "Wrote <path>." ("Could not write <path>." if the output reports a
non-zero exit code, or no exit code but a refusal). Without any such tool (side calls) it answers in text.

FAIL <status> answers with OpenAI's error body {"error": {"message", "type", "param", "code"}};
GARBAGE, SLOW and ANSWER as described in standin.py. A request with "stream": false gets one JSON
response object instead of events.
"""
import json
import re
import shlex
import time
import uuid

import common

_ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "forbidden"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def _id(prefix):
    return f"{prefix}_{uuid.uuid4().hex}"


def _estimate_tokens(body):
    try:
        return max(1, len(json.dumps(body.get("input") or "", ensure_ascii=False)) // 4)
    except (TypeError, ValueError):
        return 1


def _items_since_last_user(body):
    items = body.get("input")
    if not isinstance(items, list):
        return []
    last = -1
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("role") == "user":
            last = i
    return [it for it in items[last + 1:] if isinstance(it, dict)]


def _has_tool_output(body):
    return any(
        it.get("type") in ("function_call_output", "custom_tool_call_output", "local_shell_call_output")
        for it in _items_since_last_user(body)
    )


_EXIT = re.compile(r"(?:Exit code:|exited with code)\s*(-?\d+)")
_REFUSED = re.compile(r"rejected|denied|blocked|failed|read-only file system", re.IGNORECASE)


def _tool_failed(body):
    """Whether the tool output after the last user message reports a non-zero exit code."""
    for it in _items_since_last_user(body):
        if it.get("type", "").endswith("_output"):
            output = it.get("output")
            if not isinstance(output, str):
                output = json.dumps(output)
            m = _EXIT.search(output)
            if m:
                if m.group(1) != "0":
                    return True
            elif _REFUSED.search(output):
                return True
    return False


def _tools(body):
    return [t for t in (body.get("tools") or []) if isinstance(t, dict)]


def _tool_name(tool):
    return tool.get("name") or (tool.get("function") or {}).get("name") or tool.get("type")


def _params(tool):
    params = tool.get("parameters") or (tool.get("function") or {}).get("parameters") or {}
    return params.get("properties") or {}


def _patch(path, word):
    return f"*** Begin Patch\n*** Add File: {path}\n+{word}\n*** End Patch\n"


def _write_call(body, path, word):
    """The output item (a function_call or custom_tool_call) that makes the CLI write <word> to <path>,
    or None when the request offers no tool that can."""
    tools = _tools(body)
    by_name = {_tool_name(t): t for t in tools}
    call_id = _id("call")
    patch = _patch(path, word)

    tool = by_name.get("apply_patch")
    if tool is not None:
        if tool.get("type") == "custom":
            return {"type": "custom_tool_call", "id": _id("ctc"), "status": "completed",
                    "call_id": call_id, "name": "apply_patch", "input": patch}
        props = _params(tool)
        key = "input" if "input" in props or not props else next(iter(props))
        return _function_call("apply_patch", call_id, {key: patch})

    script = _shell_script(body, path, word)
    for name in ("exec_command", "shell_command", "shell", "container.exec"):
        tool = by_name.get(name)
        if tool is None:
            continue
        props = _params(tool)
        if "cmd" in props:
            args = {"cmd": script}
            if "login" in props:
                args["login"] = False  # no login profile: its noise would land in the tool output
            return _function_call(name, call_id, args)
        if "command" in props:
            if (props["command"] or {}).get("type") == "array":
                return _function_call(name, call_id, {"command": ["bash", "-c", script]})
            return _function_call(name, call_id, {"command": script})
    if "local_shell" in by_name:
        return {"type": "local_shell_call", "id": _id("lsh"), "call_id": call_id, "status": "completed",
                "action": {"type": "exec", "command": ["bash", "-c", script]}}
    return None


def _shell_of(body):
    """The shell Codex said it runs commands with (<shell>...</shell> in its environment context)."""
    for text in common.user_texts(body):
        m = re.search(r"<shell>\s*([^<\s]+)\s*</shell>", text)
        if m:
            return m.group(1).lower()
    return "bash"


def _shell_script(body, path, word):
    """A command writing the same bytes as apply_patch's "Add File" does: the word and a newline."""
    if any(name in _shell_of(body) for name in ("powershell", "pwsh")):
        def q(text):
            return "'" + text.replace("'", "''") + "'"
        return (f"$p = Join-Path (Get-Location) {q(path)}; "
                "New-Item -ItemType Directory -Force -Path (Split-Path -Parent $p) | Out-Null; "
                f"[IO.File]::WriteAllText($p, {q(word)} + [char]10)")
    script = f"printf '%s\\n' {shlex.quote(word)} > {shlex.quote(path)}"
    if "/" in path.strip("/"):
        script = f"mkdir -p {shlex.quote(path.rsplit('/', 1)[0])} && " + script
    return script


def _function_call(name, call_id, args):
    return {"type": "function_call", "id": _id("fc"), "status": "completed", "name": name,
            "call_id": call_id, "arguments": json.dumps(args)}


class _Reply:
    """One streamed response: numbered events around the output items."""

    def __init__(self, handler, body):
        self.sse = common.Sse(handler)
        self.body = body
        self.seq = 0
        self.output = []
        self.response = {
            "id": _id("resp"), "object": "response", "created_at": int(time.time()),
            "status": "in_progress", "model": body.get("model") or "standin-model",
            "output": [], "usage": None, "error": None, "incomplete_details": None,
        }
        self.emit("response.created", response=dict(self.response))
        self.emit("response.in_progress", response=dict(self.response))

    def emit(self, kind, **fields):
        event = {"type": kind, "sequence_number": self.seq}
        event.update(fields)
        self.seq += 1
        self.sse.event(event, name=kind)

    def message(self, text, directive=None):
        index = len(self.output)
        item_id = _id("msg")
        item = {"type": "message", "id": item_id, "status": "in_progress", "role": "assistant", "content": []}
        self.emit("response.output_item.added", output_index=index, item=item)
        part = {"type": "output_text", "text": "", "annotations": []}
        self.emit("response.content_part.added", item_id=item_id, output_index=index, content_index=0, part=part)
        streamed = []

        def delta(piece):
            streamed.append(piece)
            self.emit("response.output_text.delta", item_id=item_id, output_index=index, content_index=0,
                      delta=piece, logprobs=[])

        common.stream_pieces(text, directive or common.Directive("ANSWER"), delta)
        full = "".join(streamed)
        self.emit("response.output_text.done", item_id=item_id, output_index=index, content_index=0,
                  text=full, logprobs=[])
        part = {"type": "output_text", "text": full, "annotations": []}
        self.emit("response.content_part.done", item_id=item_id, output_index=index, content_index=0, part=part)
        done = dict(item, status="completed", content=[part])
        self.emit("response.output_item.done", output_index=index, item=done)
        self.output.append(done)
        return full

    def tool_call(self, item):
        index = len(self.output)
        kind = item["type"]
        if kind == "function_call":
            self.emit("response.output_item.added", output_index=index,
                      item=dict(item, status="in_progress", arguments=""))
            self.emit("response.function_call_arguments.delta", item_id=item["id"], output_index=index,
                      delta=item["arguments"])
            self.emit("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                      arguments=item["arguments"])
        elif kind == "custom_tool_call":
            self.emit("response.output_item.added", output_index=index, item=dict(item, input=""))
            self.emit("response.custom_tool_call_input.delta", item_id=item["id"], output_index=index,
                      delta=item["input"])
            self.emit("response.custom_tool_call_input.done", item_id=item["id"], output_index=index,
                      input=item["input"])
        else:
            self.emit("response.output_item.added", output_index=index, item=item)
        self.emit("response.output_item.done", output_index=index, item=item)
        self.output.append(item)

    def complete(self, output_chars):
        input_tokens = _estimate_tokens(self.body)
        output_tokens = max(1, output_chars // 4)
        usage = {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }
        final = dict(self.response, status="completed", output=self.output, usage=usage)
        self.emit("response.completed", response=final)


def send_error(handler, status, message=None):
    kind, code = _ERROR_TYPES.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    if status >= 500:
        code = "server_error"
    message = message or f"model-standin: HTTP {status} as asked"
    common.send_json(handler, status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


def handle(handler, body, directive):
    verb = directive.verb
    if verb == "FAIL":
        send_error(handler, int(directive.args[0]))
        return
    if verb == "GARBAGE":
        common.send_garbage(handler)
        return
    if body.get("stream") is False:
        # a non-streaming side call: one JSON response object
        text = _text_for(body, directive)
        common.send_json(handler, 200, {
            "id": _id("resp"), "object": "response", "status": "completed",
            "model": body.get("model") or "standin-model",
            "output": [{"type": "message", "id": _id("msg"), "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": text, "annotations": []}]}],
            "output_text": text,
            "usage": {"input_tokens": _estimate_tokens(body), "output_tokens": 1,
                      "total_tokens": _estimate_tokens(body) + 1},
        })
        return

    if verb == "WRITE" and not _has_tool_output(body):
        call = _write_call(body, directive.args[0], directive.args[1])
        if call is not None:
            reply = _Reply(handler, body)
            reply.message(common.intent_text(directive))
            reply.tool_call(call)
            reply.complete(len(call.get("arguments") or call.get("input") or ""))
            return

    reply = _Reply(handler, body)
    text = reply.message(_text_for(body, directive), directive)
    reply.complete(len(text))


def _text_for(body, directive):
    if directive.verb == "WRITE":
        if _has_tool_output(body):
            if _tool_failed(body):
                return f"Could not write {directive.args[0]}."
            return f"Wrote {directive.args[0]}."
        return f"Cannot write {directive.args[0]}: no file-writing tool was offered."
    if directive.verb == "SLOW":
        return "done."
    if directive.verb == "ANSWER":
        return f"ANSWER {directive.args[0]}"
    return "OK."
