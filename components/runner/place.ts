// Where the file is: CODEX_HOME and config.toml for one request, and the modes this tool keeps them
// at. A dotfiles manager may make either a link; a link is followed only into a file or directory
// the account owns, so that a planted link never sends a write (or a credential) somewhere else.
import * as fs from "fs";
import * as path from "path";
import type { Account } from "./account";
import { RunnerError } from "./errors";
import type { RunnerRequest } from "../protocol/types";

/** config.toml's mode after an ensure, and that of every file of ours beside it: they may hold a credential. */
export const CONFIG_MODE = 0o600;
/** CODEX_HOME's mode when this tool creates it, and after an ensure that found another mode. */
export const HOME_MODE = 0o700;

export interface Place {
    codexHome: string;
    configPath: string;
    /** config.toml or CODEX_HOME is a link (a dotfiles manager). */
    linked: boolean;
    fileLinked: boolean;
    backupPath: string;
}

export function lstatQuiet(p: string): fs.Stats | undefined {
    try {
        return fs.lstatSync(p);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
}

/** A link is followed only to an existing file or directory of the account's own. */
function followLink(link: string, account: Account, want: "file" | "directory"): string {
    let real: string;
    let st: fs.Stats;
    try {
        real = fs.realpathSync(link);
        st = fs.statSync(real);
    } catch {
        throw new RunnerError("symlink-refused", `${link} is a link to nothing that exists (${fs.readlinkSync(link)}); create the ${want} or remove the link`);
    }
    const kind = want === "file" ? st.isFile() : st.isDirectory();
    if (!kind || st.uid !== account.uid) {
        throw new RunnerError(
            "symlink-refused",
            `${link} is a link to ${real}, which is not a ${want} of ${account.name}; links are followed only into the account's own files`,
        );
    }
    return real;
}

export function locate(codexHome: string, account: Account, req: RunnerRequest): Place {
    const home = lstatQuiet(codexHome);
    if (home?.isSymbolicLink()) followLink(codexHome, account, "directory");
    else if (home && !home.isDirectory()) throw new RunnerError("not-a-directory", `CODEX_HOME ${codexHome} is not a directory`);
    else if (home && home.uid !== account.uid) throw new RunnerError("not-owned", `CODEX_HOME ${codexHome} belongs to uid ${home.uid}, not to ${account.name}`);
    const link = path.join(codexHome, "config.toml");
    const fileLinked = lstatQuiet(link)?.isSymbolicLink() === true;
    const configPath = fileLinked ? followLink(link, account, "file") : link;
    const linked = fileLinked || home?.isSymbolicLink() === true;
    const secret = Object.values(req.entry?.http_headers ?? {}).some((v) => v !== "");
    if (linked && secret && req.op === "ensure") {
        throw new RunnerError(
            "symlink-refused",
            `${link} is reached through a link (to ${configPath}), often a dotfiles repository: the entry's http_headers (a credential) would be written there. ` +
                "Use bearer_token_env_var or env_http_headers (bearerTokenEnvVar / envHttpHeaders) so the file holds no secret, or replace the link with a file",
        );
    }
    // A linked file's backup stays in CODEX_HOME, not in the link's directory (a repository).
    return { codexHome, configPath, linked, fileLinked, backupPath: fileLinked ? path.join(codexHome, "config.toml.bak") : `${configPath}.bak` };
}
