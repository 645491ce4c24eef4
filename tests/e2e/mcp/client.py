"""A real MCP client (the `mcp` PyPI package, 2.x) for tests/e2e/mcp.rs.

usage: client.py CALLS_JSON -- COMMAND ARGS...

Connects to `COMMAND ARGS...` over stdio, lists the tools, then makes the
calls of CALLS_JSON in order: a list of {"tool", "arguments"}; an argument
"$run" is the id the last start_run returned; "until_ended": true repeats
the call (up to 30 s) until its result's `status` is not `running`.
Prints {"tools": [...], "results": [...]} as JSON, each result as the
protocol carries it (camelCase).
"""

import asyncio
import json
import sys
import time

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main(calls, command):
    server = StdioServerParameters(command=command[0], args=command[1:])
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = dump(await session.list_tools())["tools"]
            results, run = [], None
            for call in calls:
                args = {
                    k: (run if v == "$run" else v)
                    for k, v in call.get("arguments", {}).items()
                }
                deadline = time.monotonic() + 30
                while True:
                    result = dump(await session.call_tool(call["tool"], args))
                    done = (result.get("structuredContent") or {}).get("status")
                    if not call.get("until_ended") or done != "running":
                        break
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.1)
                if call["tool"] == "start_run" and not result.get("isError"):
                    run = result["structuredContent"]["id"]
                results.append(result)
    print(json.dumps({"tools": tools, "results": results}))


if __name__ == "__main__":
    split = sys.argv.index("--")
    asyncio.run(main(json.loads(sys.argv[1]), sys.argv[split + 1 :]))
