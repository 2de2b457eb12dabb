// The engine-less dev container of tests/helpers/rootfs.ts: the cached image is what the recipe
// says (Debian's Node 18 and npm, vscode, this machine's npm registry and CA carried in), containers
// never share state, and what a killed build or run left is cleaned up without touching a live one.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { suiteNeeding } from "../helpers/needs";
import { cacheRoot, removeStaleContainers, rootfsImage, startDevContainer } from "../helpers/rootfs";

const suite = suiteNeeding({ root: true });

/** A pid that no process has (the highest possible one, checked). */
function deadPid(): number {
    const max = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8"));
    for (let p = max - 1; ; p--) if (!fs.existsSync(`/proc/${p}`)) return p;
}

const mounted = (dir: string) =>
    fs
        .readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .some((l) => l.split(" ")[4]?.startsWith(dir));

suite("the dev container root filesystem (debootstrap, cached, entered with namespaces and chroot)", () => {
    test("the image: cached by content, Debian's Node 18 and npm, vscode (1000), the machine's npm registry and CA in /etc/npmrc and the trust store", () => {
        const t = Date.now();
        const image = rootfsImage();
        if (image.builtIn) process.stderr.write(`rootfs: built in ${image.builtIn} s\n`);
        else expect(Date.now() - t).toBeLessThan(5_000);
        expect(path.basename(image.dir)).toBe(`rootfs-bookworm-${image.key}`);
        const meta = JSON.parse(fs.readFileSync(path.join(image.dir, ".codex-connect-rootfs.json"), "utf8"));
        expect(meta).toMatchObject({ suite: "bookworm", variant: "minbase", packages: ["nodejs", "ca-certificates"], apt: ["npm"], user: "vscode" });
        expect(fs.readFileSync(path.join(image.dir, "etc/passwd"), "utf8")).toMatch(/^vscode:x:1000:1000:/m);
        expect(fs.readFileSync(path.join(image.dir, "etc/npmrc"), "utf8")).toBe(`registry=${meta.registry}\ncafile=/etc/ssl/certs/ca-certificates.crt\n`);
        if (meta.ca) {
            const ca = fs.readFileSync(path.join(image.dir, "usr/local/share/ca-certificates/codex-connect-host-npm-ca.crt"), "utf8");
            const firstCert = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(ca)![0];
            expect(fs.readFileSync(path.join(image.dir, "etc/ssl/certs/ca-certificates.crt"), "utf8")).toContain(firstCert);
        }
        expect(fs.existsSync(path.join(image.dir, "usr/bin/npm"))).toBe(true);
        expect(fs.readdirSync(path.join(image.dir, "var/cache/apt/archives")).filter((f) => f.endsWith(".deb"))).toEqual([]);
    });

    test("containers never share state: what one writes is in its layer only; npm reaches the registry from inside", () => {
        const a = startDevContainer("iso-a");
        const b = startDevContainer("iso-b");
        try {
            expect(a.exec(["sh", "-c", "echo mine > ~/note && id -un && node --version"]).stdout).toMatch(/^vscode\nv18\./);
            expect(fs.readFileSync(path.join(a.layer, "home/vscode/note"), "utf8")).toBe("mine\n");
            expect(b.exec(["sh", "-c", "cat ~/note 2>/dev/null || echo absent"]).stdout.trim()).toBe("absent");
            expect(fs.existsSync(path.join(rootfsImage().dir, "home/vscode/note"))).toBe(false);
            // Root in the container is root of the container only in name: its writes stay in its layer too.
            expect(a.exec(["sh", "-c", "touch /etc/from-root && echo ok"], { user: "root" }).stdout.trim()).toBe("ok");
            expect(fs.existsSync(path.join(rootfsImage().dir, "etc/from-root"))).toBe(false);
            // The registry through the carried-in CA (npm's own settings, nothing from this machine's environment).
            const view = a.exec(["npm", "view", "@openai/codex@0.169.0", "version"], { timeout: 120_000 });
            if (view.status !== 0) throw new Error(`npm view inside exited ${view.status}: ${view.stderr.slice(-800)}`);
            expect(view.stdout.trim()).toBe("0.169.0");
        } finally {
            a.remove();
            b.remove();
        }
        expect(fs.existsSync(a.root)).toBe(false);
        expect(mounted(a.root)).toBe(false);
    });

    test("a build killed half-way (its mounts included) and a run killed half-way are cleaned up; a live one's are not", () => {
        const dead = deadPid();
        const partial = path.join(cacheRoot, `rootfs-bookworm-0000000000000000.partial-${dead}-abcdef`);
        const live = path.join(cacheRoot, `rootfs-bookworm-0000000000000000.partial-${process.pid}-abcdef`);
        fs.mkdirSync(path.join(partial, "proc"), { recursive: true });
        fs.mkdirSync(live, { recursive: true });
        // As debootstrap leaves it when killed outside a namespace of its own: proc mounted inside.
        execFileSync("mount", ["-t", "tmpfs", "killed-build", path.join(partial, "proc")]);
        const container = fs.mkdtempSync(path.join(os.tmpdir(), `devcontainer-${dead}-x-`));
        fs.mkdirSync(path.join(container, "root"));
        execFileSync("mount", ["-t", "tmpfs", "killed-run", path.join(container, "root")]);
        try {
            rootfsImage();
            removeStaleContainers();
            expect(fs.existsSync(partial)).toBe(false);
            expect(mounted(partial)).toBe(false);
            expect(fs.existsSync(live)).toBe(true);
            expect(fs.existsSync(container)).toBe(false);
            expect(mounted(container)).toBe(false);
        } finally {
            for (const d of [partial, container]) if (mounted(d)) spawnSync("umount", ["-l", path.join(d, d === partial ? "proc" : "root")]);
            fs.rmSync(live, { recursive: true, force: true });
        }
    });
});
