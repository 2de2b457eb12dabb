// A value from an inventory checked against the kind its field holds. Strict for our own format
// (YAML's types as written); lenient as Ansible is for its variables (a port "2222", a boolean
// "yes"), but never for what Ansible would template or decrypt. Pure.
import { VaultValue } from "./located-yaml";
import { FieldType, KINDS } from "./target-config";

export type Checked = { value: unknown } | { error: string };

// Ansible's boolean() (module_utils/parsing/convert_bool.py).
const TRUE = ["y", "yes", "on", "1", "true", "t"];
const FALSE = ["n", "no", "off", "0", "false", "f"];

/** The value as the target takes it, or why it cannot be one. */
export function checkValue(type: Exclude<FieldType, "proxy">, v: unknown, ansible: boolean): Checked {
    if (v instanceof VaultValue)
        return { error: "is encrypted with Ansible Vault; a connection setting is read as written (decrypt it, or set it in the stack config)" };
    if (ansible && typeof v === "string" && /\{\{|\{%/.test(v))
        return { error: `is a Jinja template (${JSON.stringify(v)}); values are read as written, without templating` };
    switch (type) {
        case "string":
            if (typeof v === "string" && v !== "") return { value: v };
            if (ansible && typeof v === "number") return { value: String(v) };
            return { error: `must be a non-empty string, got ${shown(v)}` };
        case "port": {
            const n = ansible && typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
            if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535) return { value: n };
            return { error: `must be a port, 1-65535, got ${shown(v)}` };
        }
        case "boolean":
            if (typeof v === "boolean") return { value: v };
            if (ansible && (typeof v === "string" || typeof v === "number")) {
                const s = String(v).toLowerCase();
                if (TRUE.includes(s)) return { value: true };
                if (FALSE.includes(s)) return { value: false };
            }
            return { error: `must be true or false, got ${shown(v)}` };
        case "strings":
            if (Array.isArray(v) && v.length && v.every((a) => typeof a === "string")) return { value: v };
            return { error: `must be a non-empty list of strings such as ["kubectl", "exec", "-i", "pod", "--"], got ${shown(v)}` };
        case "kind":
            if (typeof v === "string" && (KINDS as readonly string[]).includes(v)) return { value: v };
            return { error: `must be one of ${KINDS.join(", ")}, got ${shown(v)}` };
    }
}

function shown(v: unknown): string {
    if (v === null || v === undefined) return "nothing";
    const text = JSON.stringify(v) ?? String(v);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
