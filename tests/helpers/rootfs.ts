// A dev container without a container engine: a minimal Debian root filesystem (debootstrap, Debian's
// own Node 18 and npm, a non-root account `vscode`), entered with Linux namespaces and chroot.
//
// - The image is built once per machine and cached by content next to the toolchain cache
//   (~/.cache/codex-connect-pulumi/rootfs-bookworm-KEY): KEY hashes the recipe (its version, the
//   package list, the suite, the mirror) and what is carried into it from this machine (npm's
//   registry and CA file). It is built into a partial directory and renamed into place, so two runs
//   racing both succeed (the loser drops its copy) and a build killed half-way leaves only a
//   partial directory, removed by the next build once its process is gone.
// - The machine's npm settings go in as a company's would in a real image: the CA file into the
//   system trust store (update-ca-certificates), the registry and cafile into /etc/npmrc.
// - Every container is an overlay of the image (upper and work directories in its own temp dir),
//   or a `cp -a --reflink=auto` copy where overlayfs is not available: containers never share state.
// - Entering: `unshare --mount --pid --fork --mount-proc=ROOT/proc chroot ROOT runuser -u USER --
//   CMD`, the exec targets' prefix; `docker`/`podman` stand-ins (enterScript) check the presets'
//   exact argument vector and also bind /dev, as an engine does.
import { execFileSync, spawnSync, SpawnSyncReturns } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { caEnv } from "./ca-env";
import { pidAlive, withLock } from "./lock";

/** Bump when the recipe below changes what the image holds. */
const RECIPE_VERSION = 1;
export const ROOTFS_SUITE = "bookworm";
/** debootstrap installs these; npm comes after, with apt (debootstrap resolves npm's dependency tree incompletely and fails configuring it). */
export const ROOTFS_PACKAGES = ["nodejs", "ca-certificates"];
export const ROOTFS_APT_PACKAGES = ["npm"];
const MIRROR = process.env.CODEX_CONNECT_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
export const CONTAINER_USER = "vscode";
export const CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Where the image's trust store keeps the CA carried in from this machine. */
const CA_IN_IMAGE = "/usr/local/share/ca-certificates/codex-connect-host-npm-ca.crt";

export const cacheRoot =
    process.env.PULUMI_TOOLCHAIN_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "codex-connect-pulumi");

const sh = (cmd: string, args: string[], opts: { input?: string } = {}) =>
    execFileSync(cmd, args, { encoding: "utf8", stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], input: opts.input });

/** npm's registry and CA file on this machine, as root's npm sees them. */
function machineNpm(): { registry: string; cafile?: string } {
    const get = (k: string) => {
        const v = spawnSync("npm", ["config", "get", k], {
            encoding: "utf8",
            cwd: "/",
            env: { PATH: process.env.PATH, HOME: process.env.HOME },
        }).stdout?.trim();
        return v && v !== "null" && v !== "undefined" ? v : undefined;
    };
    const cafile = get("cafile") ?? caEnv().NODE_EXTRA_CA_CERTS;
    return { registry: get("registry") ?? "https://registry.npmjs.org/", cafile: cafile && fs.existsSync(cafile) ? cafile : undefined };
}

/** Mount points at or under dir (this namespace's view). */
function mountsUnder(dir: string): string[] {
    return fs
        .readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[4])
        .filter((m) => m && (m === dir || m.startsWith(dir + "/")))
        .map((m) => m.replace(/\\040/g, " "))
        .sort((a, b) => b.length - a.length);
}

/** Removes a directory that may still have mounts under it (a run killed half-way). */
function removeTree(dir: string): void {
    for (const m of mountsUnder(dir)) spawnSync("umount", ["-l", m]);
    spawnSync("rm", ["-rf", "--one-file-system", dir]);
}

function ensureDebootstrap(): void {
    if (spawnSync("sh", ["-c", "command -v debootstrap || test -x /usr/sbin/debootstrap"]).status === 0) return;
    sh("apt-get", ["update", "-qq"]);
    execFileSync("apt-get", ["install", "-y", "-qq", "debootstrap"], {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
}

/** Runs a shell script as root inside root (chroot), with /dev and /proc mounted in a private namespace. */
function inChroot(root: string, script: string): void {
    execFileSync(
        "unshare",
        [
            "--mount",
            "--fork",
            "--",
            "sh",
            "-c",
            'mount --rbind /dev "$1/dev" && mount -t proc proc "$1/proc" && exec chroot "$1" /bin/sh -ec "$2"',
            "sh",
            root,
            script,
        ],
        {
            stdio: ["ignore", "ignore", "pipe"],
            env: { PATH: CONTAINER_PATH, HOME: "/root", LANG: "C.UTF-8", DEBIAN_FRONTEND: "noninteractive" },
        },
    );
}

export interface RootfsImage {
    dir: string;
    key: string;
    /** Seconds the build took (0: taken from the cache). */
    builtIn: number;
}

/** The cached image, built on first use (about 2 minutes; about 680 MB). */
export function rootfsImage(): RootfsImage {
    const npm = machineNpm();
    const ca = npm.cafile ? fs.readFileSync(npm.cafile) : undefined;
    const recipe = {
        RECIPE_VERSION,
        suite: ROOTFS_SUITE,
        variant: "minbase",
        packages: ROOTFS_PACKAGES,
        apt: ROOTFS_APT_PACKAGES,
        mirror: MIRROR,
        user: CONTAINER_USER,
        registry: npm.registry,
        ca: ca && createHash("sha256").update(ca).digest("hex"),
    };
    const key = createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 16);
    const dir = path.join(cacheRoot, `rootfs-${ROOTFS_SUITE}-${key}`);
    fs.mkdirSync(cacheRoot, { recursive: true });
    // One build at a time: another jest worker may want the same image now, and waits for this one.
    return withLock(`${dir}.lock`, () => buildOnce(dir, key, recipe, npm.registry, ca));
}

/** The image in dir, from the cache or built now (under the image's lock). */
function buildOnce(dir: string, key: string, recipe: object, registry: string, ca: Buffer | undefined): RootfsImage {
    // What a build killed half-way left: partial directories whose process is gone (a build still
    // going, in another test run, keeps its own).
    for (const d of fs.readdirSync(cacheRoot)) {
        const m = /^rootfs-.*\.partial-(\d+)-/.exec(d);
        if (m && !pidAlive(Number(m[1]))) removeTree(path.join(cacheRoot, d));
    }
    if (fs.existsSync(path.join(dir, ".codex-connect-rootfs.json"))) return { dir, key, builtIn: 0 };
    ensureDebootstrap();
    const started = Date.now();
    const partial = path.join(cacheRoot, `rootfs-${ROOTFS_SUITE}-${key}.partial-${process.pid}-${randomBytes(3).toString("hex")}`);
    try {
        // In its own mount namespace: the mounts debootstrap makes go with it, even when it is killed.
        const r = spawnSync(
            "unshare",
            ["--mount", "--fork", "--", "debootstrap", "--variant=minbase", `--include=${ROOTFS_PACKAGES.join(",")}`, ROOTFS_SUITE, partial, MIRROR],
            { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 },
        );
        if (r.status !== 0) throw new Error(`debootstrap failed (${r.status}): ${(r.stdout + r.stderr).trim().split("\n").slice(-15).join("\n")}`);
        fs.copyFileSync("/etc/resolv.conf", path.join(partial, "etc", "resolv.conf"));
        if (ca) fs.writeFileSync(path.join(partial, CA_IN_IMAGE), ca, { mode: 0o644 });
        fs.writeFileSync(path.join(partial, "etc", "npmrc"), `registry=${registry}\ncafile=/etc/ssl/certs/ca-certificates.crt\n`, { mode: 0o644 });
        inChroot(
            partial,
            [
                "apt-get update -qq",
                `apt-get install -y -qq --no-install-recommends ${ROOTFS_APT_PACKAGES.join(" ")} >/dev/null`,
                "update-ca-certificates >/dev/null",
                `useradd --create-home --shell /bin/bash --uid 1000 --user-group ${CONTAINER_USER}`,
                "apt-get clean",
                "rm -rf /var/lib/apt/lists/*",
                "node -e 'process.exit(+process.versions.node.split(\".\")[0] >= 18 ? 0 : 1)'",
                "npm --version >/dev/null",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(partial, ".codex-connect-rootfs.json"), JSON.stringify({ ...recipe, builtAt: new Date().toISOString() }, null, 2) + "\n");
        try {
            fs.renameSync(partial, dir);
        } catch (e) {
            // Another run finished the same image first: use it, drop ours.
            if (!fs.existsSync(path.join(dir, ".codex-connect-rootfs.json"))) throw e;
            removeTree(partial);
        }
    } catch (e) {
        removeTree(partial);
        throw e;
    }
    return { dir, key, builtIn: Math.round((Date.now() - started) / 1000) };
}

export interface DevContainer {
    name: string;
    /** The container's root, as this machine sees it. */
    root: string;
    /** What the container wrote on top of the image (the overlay's upper directory), or the copy. */
    layer: string;
    overlay: boolean;
    uid: number;
    gid: number;
    home: string;
    /** A path inside the container, as this machine sees it. */
    at(p: string): string;
    /** The exec target's raw prefix: `unshare ... chroot ROOT runuser -u USER --`. */
    prefix(user?: string): string[];
    /** Runs a command in the container as user (default vscode), with the container's environment. */
    exec(cmd: string[], opts?: { user?: string; env?: Record<string, string>; input?: string; timeout?: number }): SpawnSyncReturns<string>;
    remove(): void;
}

/** The environment `docker exec` gives a process in this image: its PATH and the account's HOME. */
export function containerEnv(home: string, user: string): Record<string, string> {
    return { PATH: CONTAINER_PATH, HOME: home, USER: user, LANG: "C.UTF-8", NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/ca-certificates.crt" };
}

/** The script behind the stand-ins and exec(): `ENTER ROOT USER CMD...` (environment: the container's). */
export function enterScript(dir: string): string {
    const file = path.join(dir, "devcontainer-enter");
    fs.writeFileSync(
        file,
        `#!/bin/sh
# devcontainer-enter ROOT USER CMD...: CMD as USER in the container at ROOT, in new mount and pid
# namespaces (/proc of its own, this machine's /dev bound in), with the container's environment.
root=$1; user=$2; shift 2
home=$(awk -F: -v u="$user" '$1 == u { print $6 }' "$root/etc/passwd")
[ -n "$home" ] || { echo "devcontainer-enter: no account $user in the container" >&2; exit 126; }
exec unshare --mount --pid --fork --mount-proc="$root/proc" -- /bin/sh -c '
  root=$1; user=$2; home=$3; shift 3
  mount --rbind /dev "$root/dev" || exit 125
  exec chroot "$root" runuser -u "$user" -- env -i PATH=${CONTAINER_PATH} HOME="$home" USER="$user" LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "$@"
' devcontainer-enter "$root" "$user" "$home" "$@"
`,
        { mode: 0o755 },
    );
    return file;
}

/** Containers a killed run left (their overlay still mounted, in this namespace or none). */
export function removeStaleContainers(): void {
    for (const d of fs.readdirSync(os.tmpdir())) {
        const m = /^devcontainer-(\d+)-/.exec(d);
        if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) removeTree(path.join(os.tmpdir(), d));
    }
}

/**
 * A fresh container from the image: an overlay (or a copy), /etc/resolv.conf and /etc/hosts from
 * this machine (as an engine bind-mounts them), and, with `npmSeed`, the account's npm cache (and
 * root's, with `rootSeed`) seeded from the shared download of Codex.
 */
export function startDevContainer(name: string, opts: { npmSeed?: string; rootSeed?: boolean } = {}): DevContainer {
    const image = rootfsImage();
    removeStaleContainers();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `devcontainer-${process.pid}-${name}-`));
    const root = path.join(dir, "root");
    const upper = path.join(dir, "upper");
    fs.mkdirSync(root);
    fs.mkdirSync(upper);
    fs.mkdirSync(path.join(dir, "work"));
    let overlay =
        spawnSync("mount", ["-t", "overlay", `devcontainer-${name}`, "-o", `lowerdir=${image.dir},upperdir=${upper},workdir=${path.join(dir, "work")}`, root])
            .status === 0;
    if (!overlay) execFileSync("cp", ["-a", "--reflink=auto", `${image.dir}/.`, root]);
    for (const f of ["/etc/resolv.conf", "/etc/hosts"]) fs.copyFileSync(f, path.join(root, f));
    const passwd = fs
        .readFileSync(path.join(root, "etc", "passwd"), "utf8")
        .split("\n")
        .map((l) => l.split(":"))
        .find((f) => f[0] === CONTAINER_USER)!;
    const [uid, gid, home] = [Number(passwd[2]), Number(passwd[3]), passwd[5]];
    const at = (p: string) => path.join(root, p);
    if (opts.npmSeed) {
        for (const [h, owner] of [[home, `${uid}:${gid}`], ...(opts.rootSeed ? [["/root", "0:0"]] : [])]) {
            execFileSync("cp", ["-a", "--reflink=auto", `${opts.npmSeed}/.`, at(path.join(h, ".npm"))]);
            execFileSync("chown", ["-R", owner, at(path.join(h, ".npm"))]);
        }
    }
    const enter = enterScript(dir);
    const c: DevContainer = {
        name,
        root,
        layer: overlay ? upper : root,
        overlay,
        uid,
        gid,
        home,
        at,
        prefix: (user = CONTAINER_USER) => ["unshare", "--mount", "--pid", "--fork", `--mount-proc=${root}/proc`, "chroot", root, "runuser", "-u", user, "--"],
        exec(cmd, o = {}) {
            const extra = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`);
            return spawnSync(enter, [root, o.user ?? CONTAINER_USER, ...(extra.length ? ["env", ...extra] : []), ...cmd], {
                encoding: "utf8",
                input: o.input,
                timeout: o.timeout ?? 600_000,
                stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
                maxBuffer: 64 << 20,
            });
        },
        remove() {
            if (overlay) {
                if (spawnSync("umount", [root]).status !== 0) spawnSync("umount", ["-l", root]);
                overlay = false;
            }
            removeTree(dir);
        },
    };
    return c;
}

/**
 * `docker` and `podman` stand-ins in dir, each with its own containers: each accepts exactly what the presets produce,
 * `exec -i [-u USER] CONTAINER CMD...`, logs the argument vector (up to CMD's first two words) to
 * dir/calls.log, and runs CMD in that container; anything else fails as an engine would (125).
 */
export function engineStandins(
    dir: string,
    engines: { docker?: Record<string, DevContainer>; podman?: Record<string, DevContainer> },
): { dir: string; calls(): string[] } {
    fs.mkdirSync(dir, { recursive: true });
    const enter = enterScript(dir);
    for (const engine of ["docker", "podman"] as const) {
        const cases = Object.entries(engines[engine] ?? {})
            .map(([name, c]) => `  ${name}) root=${c.root} ;;`)
            .join("\n");
        fs.writeFileSync(
            path.join(dir, engine),
            `#!/bin/sh
# ${engine} stand-in: only \`${engine} exec -i [-u USER] CONTAINER CMD...\`, onto a debootstrap root filesystem.
log=${dir}/calls.log
if [ "$1" != exec ] || [ "$2" != -i ]; then echo "${engine} stand-in: unexpected arguments: $*" >&2; exit 125; fi
shift 2
user=root; as=
if [ "$1" = -u ]; then user=$2; as="-u $2 "; shift 2; fi
container=$1; shift
[ $# -gt 0 ] || { echo "${engine} stand-in: no command" >&2; exit 125; }
echo "${engine} exec -i $as$container $1 $2" >> "$log"
case "$container" in
${cases}
  *) echo "Error response from daemon: No such container: $container" >&2; exit 125 ;;
esac
exec ${enter} "$root" "$user" "$@"
`,
            { mode: 0o755 },
        );
    }
    return { dir, calls: () => (fs.existsSync(path.join(dir, "calls.log")) ? fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n") : []) };
}

/** Every regular file under dir whose bytes contain any of needles (the paths, relative to dir). */
export function filesContaining(dir: string, needles: string[]): string[] {
    const hits: string[] = [];
    const bufs = needles.map((n) => Buffer.from(n));
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile()) {
                const b = fs.readFileSync(p);
                if (bufs.some((n) => b.includes(n))) hits.push(path.relative(dir, p));
            }
        }
    };
    walk(dir);
    return hits;
}
