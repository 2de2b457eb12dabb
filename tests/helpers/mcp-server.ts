// A small MCP server on 127.0.0.1 (the official SDK, streamable HTTP, stateless) that demands one
// Authorization header, like Connect AI with Basic auth. It records what it saw, never the header.
import * as http from "http";
import * as net from "net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface McpDouble {
    url: string;
    /** The header value requests must carry; change it to rotate the credential. */
    expect: string;
    /** Completed initialize handshakes with the right header. */
    initialized: number;
    /** Requests refused with 401. */
    refused: number;
    close(): Promise<void>;
}

export async function startMcpDouble(expected: string): Promise<McpDouble> {
    const double = { expect: expected, initialized: 0, refused: 0 } as McpDouble;
    const server = http.createServer(async (req, res) => {
        if (req.headers.authorization !== double.expect) {
            double.refused++;
            res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "unauthorized" }));
            return;
        }
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
        const mcp = new McpServer({ name: "connect-ai-double", version: "1.0.0" });
        mcp.tool("ping", "answers pong", async () => ({ content: [{ type: "text", text: "pong" }] }));
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on("close", () => {
            void transport.close();
            void mcp.close();
        });
        await mcp.connect(transport);
        if (body && !Array.isArray(body) && body.method === "initialize") double.initialized++;
        await transport.handleRequest(req, res, body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    double.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/mcp`;
    double.close = () => new Promise((resolve) => server.close(() => resolve()));
    return double;
}
