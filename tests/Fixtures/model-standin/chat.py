"""OpenAI chat completions (POST /v1/chat/completions), as OpenCode (@ai-sdk/openai-compatible) and
LM Studio-style clients use it: SSE chunks when "stream" is true, one JSON completion otherwise.

Directives (see standin.py): WRITE -> a call to the file-writing tool the client advertised in "tools"
(OpenCode's "write" {filePath, content}; a path made absolute against the "Working directory:" of the
system prompt when the tool asks for one), then "Wrote <path>." once a tool result follows the last user
message; FAIL -> OpenAI's error JSON with that status (429 and 5xx carry "retry-after-ms", which OpenCode
obeys: without it OpenCode retries 5 times over about 70 s); GARBAGE -> a 200 that is not the format;
SLOW -> text streamed over that many seconds (a non-streamed answer waits that long); anything else ->
"ANSWER <n>". An API key "bad-key" gets 401 on every request. A side call (no tools, and a prompt that
asks for a title or a summary, as OpenCode's title generator sends) gets a short title whatever the
prompt says, so that the main request's outcome is what a test sees.
"""
import json
import ntpath
import os
import re
import time
import uuid

import common

_ERROR_TYPES = {
    400: ("invalid_request_error", "Bad request."),
    401: ("invalid_request_error", "Incorrect API key provided."),
    403: ("permission_error", "You are not allowed to use this model."),
    404: ("invalid_request_error", "The model does not exist."),
    408: ("timeout_error", "Request timed out."),
    429: ("rate_limit_error", "Rate limit reached. Please try again later."),
    500: ("server_error", "The server had an error while processing your request."),
    502: ("server_error", "Bad gateway."),
    503: ("server_error", "The engine is currently overloaded."),
}

RETRY_AFTER_MS = os.environ.get("STANDIN_RETRY_AFTER_MS", "20")

_PATH_KEYS = ("filePath", "file_path", "path", "filename", "file", "target_file", "absolute_path")
_CONTENT_KEYS = ("content", "contents", "text", "file_text", "data", "body")


def _messages(body):
    return body.get("messages") if isinstance(body.get("messages"), list) else []


def _text(content):
    return common._text_of(content)


def _system_text(body):
    return "\n".join(_text(m.get("content")) for m in _messages(body)
                     if isinstance(m, dict) and m.get("role") in ("system", "developer"))


def _tool_result_after_last_user(body):
    seen = False
    for m in _messages(body):
        if not isinstance(m, dict):
            continue
        if m.get("role") == "user":
            seen = False
        elif m.get("role") == "tool":
            seen = True
    return seen


def _tools(body):
    out = []
    for t in body.get("tools") or []:
        if not isinstance(t, dict):
            continue
        fn = t.get("function") if isinstance(t.get("function"), dict) else t
        if isinstance(fn.get("name"), str):
            out.append(fn)
    return out


_SIDE_CALL = re.compile(r"title generator|generate a (?:brief )?title|tasked with summari[sz]ing|"
                        r"summari[sz]e (?:the|this) conversation", re.IGNORECASE)


def _is_side_call(body):
    """OpenCode's title generator (and a compaction summary): no tools, and a prompt that says so."""
    if _tools(body):
        return False
    users = [_text(m.get("content")) for m in _messages(body) if isinstance(m, dict) and m.get("role") == "user"]
    return bool(_SIDE_CALL.search(_system_text(body) + "\n" + "\n".join(users[:-1])))


def _working_dir(body):
    system = _system_text(body)
    for pattern in (r"Working directory:\s*(\S[^\n<]*)", r"<cwd>\s*(\S[^\n<]*)", r"\bcwd:\s*(\S[^\n<]*)",
                    r"current working directory(?: is)?:?\s*(/\S*|[A-Za-z]:\\\S*)"):
        m = re.search(pattern, system, re.IGNORECASE)
        if m:
            return m.group(1).strip().rstrip(".")
    return None


def _write_tool(body):
    """The advertised file-writing tool: (name, path key, content key, wants absolute path)."""
    best = None
    for fn in _tools(body):
        name = fn["name"]
        props = ((fn.get("parameters") or {}).get("properties")) or {}
        path_key = next((k for k in _PATH_KEYS if k in props), None)
        content_key = next((k for k in _CONTENT_KEYS if k in props), None)
        if not path_key or not content_key:
            continue
        score = 2 if name.lower() in ("write", "write_file", "writefile", "create_file") else 1
        if best is None or score > best[0]:
            hint = (fn.get("description") or "") + " " + json.dumps(props.get(path_key))
            best = (score, name, path_key, content_key, "absolute" in hint.lower())
    return best[1:] if best else None


def _tool_call_for(body, directive):
    tool = _write_tool(body)
    if tool is None:
        return None
    name, path_key, content_key, absolute = tool
    path, word = directive.args[0], directive.args[1]
    if absolute and not (os.path.isabs(path) or ntpath.isabs(path)):
        cwd = _working_dir(body)
        if cwd:
            windows = re.match(r"^[A-Za-z]:[\\/]|^\\\\", cwd) is not None
            path = ntpath.join(cwd, path.replace("/", "\\")) if windows else os.path.join(cwd, path)
    args = {path_key: path, content_key: word}
    return {"id": "call_" + uuid.uuid4().hex[:24], "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)}}


def _usage(body, text):
    prompt = max(1, len(json.dumps(_messages(body), ensure_ascii=False)) // 4)
    completion = max(1, len(text) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _send_error(handler, status):
    kind, message = _ERROR_TYPES.get(status, ("server_error" if status >= 500 else "invalid_request_error",
                                               f"Stand-in failure {status}."))
    data = json.dumps({"error": {"message": f"{message} (stand-in FAIL {status})",
                                 "type": kind, "param": None, "code": str(status)}}).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    if status == 429 or status >= 500:
        # OpenCode retries these 5 times with backoff 2 s, 4 s, 8 s, 16 s, 32 s (about 70 s in all) unless
        # the reply says when to retry; this keeps a test of a failing model to well under a second.
        handler.send_header("retry-after-ms", RETRY_AFTER_MS)
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


def handle(handler, body, directive):
    model = body.get("model") or "standin-model"
    stream = bool(body.get("stream"))

    if common.api_key(handler.headers) == "bad-key":
        _send_error(handler, 401)
        return
    if _is_side_call(body):
        text, call, directive = "Stand-in session", None, common.Directive("ANSWER", "0")
    elif directive.verb == "FAIL":
        _send_error(handler, int(directive.args[0]))
        return
    elif directive.verb == "GARBAGE":
        common.send_garbage(handler)
        return
    elif directive.verb == "WRITE":
        if _tool_result_after_last_user(body):
            text, call = f"Wrote {directive.args[0]}.", None
        else:
            call = _tool_call_for(body, directive)
            text = "" if call else f"Cannot write {directive.args[0]}: no file-writing tool was offered."
    elif directive.verb == "SLOW":
        text, call = "SLOW done.", None
    else:
        text, call = f"ANSWER {directive.args[0]}", None

    cid = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())
    usage = _usage(body, text + (call["function"]["arguments"] if call else ""))
    finish = "tool_calls" if call else "stop"

    if not stream:
        if directive.verb == "SLOW":
            time.sleep(float(directive.args[0]))
        message = {"role": "assistant", "content": text or None}
        if call:
            message["tool_calls"] = [call]
        common.send_json(handler, 200, {
            "id": cid, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": usage, "system_fingerprint": "standin"})
        return

    sse = common.Sse(handler)

    def chunk(delta, finish_reason=None):
        sse.event({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "system_fingerprint": "standin",
                   "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]})

    chunk({"role": "assistant", "content": ""})
    if call:
        chunk({"tool_calls": [{"index": 0, "id": call["id"], "type": "function",
                               "function": {"name": call["function"]["name"], "arguments": ""}}]})
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": call["function"]["arguments"]}}]})
    else:
        common.stream_pieces(text, directive, lambda piece: chunk({"content": piece}))
    chunk({}, finish)
    if (body.get("stream_options") or {}).get("include_usage"):
        sse.event({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "system_fingerprint": "standin", "choices": [], "usage": usage})
    sse.event("[DONE]")
