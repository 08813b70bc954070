"""Anthropic Messages API (POST /v1/messages), as Claude Code speaks it: SSE when body.stream, else JSON.

Directives (see standin.py): WRITE -> a tool_use of the file-writing tool the CLI advertised, then after the
tool_result a final text; FAIL -> Anthropic's error body with that status; GARBAGE -> not this format;
SLOW -> text streamed in pieces; anything else -> "ANSWER <n>".
Side calls without tools (titles, summaries, quota checks) get a plain text answer, never a tool_use.
"""
import itertools
import json
import os
import re

import common

_ids = itertools.count(1)

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}

_WRITE_TOOL_NAMES = ("write", "write_file", "writefile", "create_file")
_PATH_KEYS = ("file_path", "path", "filePath", "filename", "file")
_CONTENT_KEYS = ("content", "contents", "text", "file_text", "data")


def _new_id(prefix):
    return f"{prefix}_standin{os.getpid()}_{next(_ids):04d}"


def _system_text(body):
    system = body.get("system")
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(p.get("text", "") for p in system if isinstance(p, dict))
    return ""


def _working_directory(body):
    """The cwd the CLI states: in body.system, or (Claude Code 2.1) in a role "system" message's
    "# Environment ... - Primary working directory: /abs/path"."""
    texts = [_system_text(body)]
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "system":
            texts.append(common._text_of(message.get("content")))
    found = None  # the last one wins: a resumed session in another folder adds "# Environment update ... (was ...)"
    pattern = re.compile(r"(?:Primary working directory|Working directory|cwd):[ \t]*(/[^\n]*?|[A-Za-z]:\\[^\n]*?)"
                         r"(?:[ \t]+\(was [^\n]*\))?[ \t]*$", re.M)
    for text in texts:
        for m in pattern.finditer(text):
            found = m.group(1).strip()
    return found


def _last_tool_result(body):
    """The tool_result block(s) of the last message when it is the user's answer to a tool call, else None."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") != "system"]
    if not messages:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user" or not isinstance(last.get("content"), list):
        return None
    results = [p for p in last["content"] if isinstance(p, dict) and p.get("type") == "tool_result"]
    return results or None


def _user_text(body):
    """The user's own text in the last user message that has text: Claude Code sends the prompt as its own text
    block, next to "<system-reminder>" blocks it adds itself, which are left out here (so ANSWER n counts the prompt)."""
    for message in reversed(body.get("messages") or []):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        parts = [p.get("text") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"
                 and isinstance(p.get("text"), str)]
        own = [t for t in parts if not t.lstrip().startswith("<system-reminder>")]
        if own:
            return "\n".join(own)
    return common.last_user_text(body)


def _write_tool(body):
    """(name, path key, content key) of the file-writing tool the CLI advertised, or None."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name")]
    def keys(tool):
        props = ((tool.get("input_schema") or {}).get("properties") or {})
        path_key = next((k for k in _PATH_KEYS if k in props), None)
        content_key = next((k for k in _CONTENT_KEYS if k in props), None)
        return path_key, content_key
    ordered = sorted(tools, key=lambda t: (t["name"].lower() not in _WRITE_TOOL_NAMES,))
    for tool in ordered:
        path_key, content_key = keys(tool)
        if path_key and content_key and (tool["name"].lower() in _WRITE_TOOL_NAMES or "write" in tool["name"].lower()):
            return tool["name"], path_key, content_key
    return None


def _usage(body, output_text):
    input_tokens = max(1, len(json.dumps(body.get("messages") or [], ensure_ascii=False)) // 4)
    output_tokens = max(1, len(output_text) // 4)
    return input_tokens, output_tokens


def send_error(handler, status):
    status = int(status)
    kind = _ERROR_TYPES.get(status, "api_error")
    message = {
        401: "invalid x-api-key",
        500: "Internal server error (stand-in FAIL 500)",
    }.get(status, f"stand-in FAIL {status}")
    data = json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.send_header("request-id", _new_id("req"))
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


def _plan(body, directive):
    """What to answer: (kind, payload) with kind 'text' (payload: text) or 'tool' (payload: tool_use block)."""
    user_text = _user_text(body)
    if directive.verb == "WRITE":
        path, word = directive.args
        results = _last_tool_result(body)
        if results is not None:
            if any(r.get("is_error") for r in results):
                return "text", f"Could not write {path}."
            return "text", f"Wrote {path}."
        tool = _write_tool(body)
        if tool is None:  # a side call (title, summary) or a CLI without a write tool
            return "text", f"ANSWER {len(user_text)}"
        name, path_key, content_key = tool
        target = path
        cwd = _working_directory(body)
        if cwd and not os.path.isabs(path):
            target = os.path.join(cwd, path)
        block = {"type": "tool_use", "id": _new_id("toolu"), "name": name, "input": {path_key: target, content_key: word}}
        return "tool", block
    return "text", f"ANSWER {len(user_text)}"


def handle(handler, body, directive):
    if directive.verb != "FAIL":  # FAIL may come from the key ("bad-key"); the rest is re-read without reminders
        directive = common.directive_of(_user_text(body))
    if directive.verb == "FAIL":
        send_error(handler, directive.args[0])
        return
    if directive.verb == "GARBAGE":
        common.send_garbage(handler)
        return

    model = body.get("model") or "standin-model"
    kind, payload = _plan(body, directive)
    msg_id = _new_id("msg")
    out_text = payload if kind == "text" else json.dumps(payload["input"])
    input_tokens, output_tokens = _usage(body, out_text)
    stop_reason = "tool_use" if kind == "tool" else "end_turn"

    if not body.get("stream"):
        content = [{"type": "text", "text": payload}] if kind == "text" else [{"type": "text", "text": common.intent_text(directive)}, payload]
        common.send_json(handler, 200, {
            "id": msg_id, "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        })
        return

    sse = common.Sse(handler)
    try:
        sse.event({"type": "message_start", "message": {
            "id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        }}, "message_start")
        sse.event({"type": "ping"}, "ping")
        if kind == "text":
            sse.event({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                      "content_block_start")
            streamed = []

            def emit(piece):
                streamed.append(piece)
                sse.event({"type": "content_block_delta", "index": 0,
                           "delta": {"type": "text_delta", "text": piece}}, "content_block_delta")

            common.stream_pieces(payload, directive, emit)
            out_text = "".join(streamed)
            output_tokens = max(1, len(out_text) // 4)
            sse.event({"type": "content_block_stop", "index": 0}, "content_block_stop")
        else:
            # A short text before the tool call, as models do: the CLI reports it as a message of its own before the
            # tool runs, so a client can show it while the run goes on.
            sse.event({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                      "content_block_start")
            sse.event({"type": "content_block_delta", "index": 0,
                       "delta": {"type": "text_delta", "text": common.intent_text(directive)}}, "content_block_delta")
            sse.event({"type": "content_block_stop", "index": 0}, "content_block_stop")
            start = dict(payload, input={})
            sse.event({"type": "content_block_start", "index": 1, "content_block": start}, "content_block_start")
            args = json.dumps(payload["input"], ensure_ascii=False)
            half = len(args) // 2
            for part in (args[:half], args[half:]):
                sse.event({"type": "content_block_delta", "index": 1,
                           "delta": {"type": "input_json_delta", "partial_json": part}}, "content_block_delta")
            sse.event({"type": "content_block_stop", "index": 1}, "content_block_stop")
        sse.event({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                   "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                             "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}, "message_delta")
        sse.event({"type": "message_stop"}, "message_stop")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client went away (killed mid-stream); nothing to tell it
