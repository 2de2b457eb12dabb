// A tiny stack that exercises every part of the toolchain: the engine, the upstream language host
// running TypeScript, the dynamic-provider plugin, the command plugin (@pulumi/command), and
// passphrase-encrypted secret config.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

interface FileInputs {
    path: string;
    content: string;
}

// Writes one file. Kept free of outside references: Pulumi serialises it into the state.
const fileProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: FileInputs) {
        require("fs").writeFileSync(inputs.path, inputs.content, { mode: 0o600 });
        return { id: inputs.path, outs: inputs };
    },
    async diff(_id: string, olds: FileInputs, news: FileInputs) {
        const changes = olds.path !== news.path || olds.content !== news.content;
        return { changes, replaces: olds.path !== news.path ? ["path"] : [] };
    },
    async update(_id: string, _olds: FileInputs, news: FileInputs) {
        require("fs").writeFileSync(news.path, news.content, { mode: 0o600 });
        return { outs: news };
    },
    async delete(id: string) {
        require("fs").rmSync(id, { force: true });
    },
};

class SmokeFile extends pulumi.dynamic.Resource {
    constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }) {
        super(fileProvider, name, args, { additionalSecretOutputs: ["content"] });
    }
}

const config = new pulumi.Config();
const token = config.requireSecret("token");
const file = new SmokeFile("smoke", {
    path: config.require("path"),
    content: pulumi.interpolate`token=${token}\n`,
});

// A real resource plugin: the engine starts pulumi-resource-command from the sandbox's plugin cache.
const ok = new command.local.Command("ok", { create: "printf ok", logging: "none" });

export const path = file.id;
export const commandStdout = ok.stdout;
