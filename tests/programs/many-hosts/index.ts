// Many SSH hosts behind one sshd (tests/e2e/many-hosts.test.ts): a CodexMcpServer each, the entry
// alone (no Codex), so that the test is about the fleet's connections and not about installs.
import * as pulumi from "@pulumi/pulumi";
import { CodexMcpServer } from "../../../components";

interface Setup {
    port: number;
    hostKey: string;
    users: string[];
}

const cfg = new pulumi.Config();
const setup = cfg.requireObject<Setup>("setup");
const privateKey = cfg.requireSecret("sshPrivateKey");

export const drift = Object.fromEntries(
    setup.users.map((user) => {
        const server = new CodexMcpServer(user, {
            target: { kind: "ssh", host: "127.0.0.1", port: setup.port, user, privateKey, hostKey: setup.hostKey },
            name: "docs",
            url: "https://docs.example/mcp",
            verify: false,
        });
        return [user, server.drift];
    }),
);
