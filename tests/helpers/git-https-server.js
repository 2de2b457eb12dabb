#!/usr/bin/env node
// A git server over HTTPS on 127.0.0.1, for `pulumi package add https://…/repo.git@vX.Y.Z`: Pulumi
// clones plugins with go-git over https only, so a file:// or git:// remote cannot stand in for a
// company's git host. Smart HTTP is git's own `git http-backend` (CGI); this only carries requests
// to it and its answers back. Usage: git-https-server.js ROOT CERT KEY ADDRESS PORT; prints the port
// when it listens (PORT 0: any free one).
"use strict";
const fs = require("fs");
const https = require("https");
const path = require("path");
const { execFileSync, spawn } = require("child_process");

const [root, certFile, keyFile, address, port] = process.argv.slice(2);
const backend = path.join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-http-backend");

/** The CGI environment git http-backend reads (RFC 3875, plus git's protocol header). */
function cgiEnv(req) {
    const url = new URL(req.url, "https://localhost");
    const env = {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        REQUEST_METHOD: req.method,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REMOTE_ADDR: req.socket.remoteAddress || "127.0.0.1",
        CONTENT_TYPE: req.headers["content-type"] || "",
    };
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
    if (req.headers["git-protocol"]) env.GIT_PROTOCOL = req.headers["git-protocol"];
    return env;
}

/** Splits the CGI answer's header block from its body; null until the blank line has arrived. */
function splitHead(buf) {
    const crlf = buf.indexOf("\r\n\r\n");
    const lf = buf.indexOf("\n\n");
    const [at, sep] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : lf >= 0 ? [lf, 2] : [-1, 0];
    if (at < 0) return null;
    const headers = buf
        .subarray(0, at)
        .toString("latin1")
        .split(/\r?\n/)
        .map((l) => [l.slice(0, l.indexOf(":")).trim(), l.slice(l.indexOf(":") + 1).trim()]);
    return { headers, body: buf.subarray(at + sep) };
}

function serve(req, res) {
    const cgi = spawn(backend, [], { env: cgiEnv(req), stdio: ["pipe", "pipe", "inherit"] });
    req.pipe(cgi.stdin);
    let pending = Buffer.alloc(0);
    cgi.stdout.on("data", (chunk) => {
        if (res.headersSent) return void res.write(chunk);
        pending = Buffer.concat([pending, chunk]);
        const head = splitHead(pending);
        if (!head) return;
        let status = 200;
        for (const [name, value] of head.headers) {
            if (name.toLowerCase() === "status") status = parseInt(value, 10);
            else if (name) res.setHeader(name, value);
        }
        res.writeHead(status);
        res.write(head.body);
    });
    cgi.on("close", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
    });
}

const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, serve);
server.listen(Number(port), address, () => process.stdout.write(`${server.address().port}\n`));
