"""A real MCP client (the `mcp` PyPI package, 2.x) for tests/e2e/mcp.rs.

usage: client.py CALLS_JSON -- COMMAND ARGS...
       client.py CALLS_JSON -- http://HOST:PORT/mcp [API_KEY]

Connects to `COMMAND ARGS...` over stdio (or to a URL over streamable
HTTP, with `Authorization: Bearer API_KEY`), lists the tools, then makes the
calls of CALLS_JSON in order: a list of {"tool", "arguments"} (or of
{"list_resources": true}, {"list_resource_templates": true},
{"read_resource": URI}, {"list_prompts": true},
{"get_prompt": NAME, "arguments"}: their results as dumped, a protocol
error as {"error": its message}); an argument
"$run" is the id the last start_run returned; "until_ended": true repeats
the call (up to 30 s) until its result's `status` is not `running`.
Prints {"tools": [...], "results": [...], "notifications": [methods]} as JSON, each result as the
protocol carries it (camelCase), with "json": its first text content read
as JSON (wfc sends its answer once, as JSON text).
"""

import asyncio
import json
import sys
import time

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def with_json(result):
    content = result.get("content") or [{}]
    try:
        result["json"] = json.loads(content[0].get("text", "null"))
    except ValueError:
        result["json"] = None
    return result


async def not_a_tool(session, call, run):
    """The result of a call that is not a tool's, or None for a tool's."""
    args = {k: (run if v == "$run" else v) for k, v in (call.get("arguments") or {}).items()}
    try:
        if call.get("list_resources"):
            return dump(await session.list_resources())
        if call.get("list_resource_templates"):
            return dump(await session.list_resource_templates())
        if "read_resource" in call:
            return dump(await session.read_resource(call["read_resource"]))
        if call.get("list_prompts"):
            return dump(await session.list_prompts())
        if "get_prompt" in call:
            return dump(await session.get_prompt(call["get_prompt"], args))
    except Exception as e:  # a protocol error: the test reads its message
        return {"error": str(e)}
    return None


def connect(command):
    if command[0].startswith("http"):
        headers = {"Authorization": f"Bearer {command[1]}"} if len(command) > 1 else {}
        client = create_mcp_http_client(headers=headers)
        return streamable_http_client(command[0], http_client=client)
    return stdio_client(StdioServerParameters(command=command[0], args=command[1:]))


async def main(calls, command):
    notifications = []

    async def on_message(message):
        method = getattr(message, "method", None)
        if method is None:
            method = getattr(getattr(message, "root", None), "method", None)
        if isinstance(method, str):
            notifications.append(method)

    async with connect(command) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
            await session.initialize()
            tools = dump(await session.list_tools())["tools"]
            results, run = [], None
            for call in calls:
                other = await not_a_tool(session, call, run)
                if other is not None:
                    results.append(other)
                    continue
                args = {
                    k: (run if v == "$run" else v)
                    for k, v in call.get("arguments", {}).items()
                }
                deadline = time.monotonic() + 30
                while True:
                    result = with_json(dump(await session.call_tool(call["tool"], args)))
                    done = (result.get("json") or {}).get("status")
                    if not call.get("until_ended") or done != "running":
                        break
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.1)
                if call["tool"] == "start_run" and not result.get("isError"):
                    run = result["json"]["id"]
                results.append(result)
    print(json.dumps({"tools": tools, "results": results, "notifications": notifications}))


if __name__ == "__main__":
    split = sys.argv.index("--")
    asyncio.run(main(json.loads(sys.argv[1]), sys.argv[split + 1 :]))
