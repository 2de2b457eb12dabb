// An Ansible inventory's host pattern: a name or address with an optional :port, and [01:03] or
// [a:c] ranges (with an optional :step) that stand for several hosts. Pure.

/** The hosts a pattern names and the port it gives them, or why it names none. */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } | { error: string } {
    let address = pattern;
    let port: number | undefined;
    const bracketed = /^\[(.+)\]:([0-9]+)$/.exec(address);
    const hostport = bracketed ?? /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/.exec(address);
    if (hostport) {
        address = hostport[1];
        port = Number(hostport[2]);
    } else if (address.endsWith(":")) {
        return { error: `host pattern ${pattern} ends in ':' without a port` };
    }
    if (!address) return { error: "empty host pattern" };
    if (port !== undefined && !(port >= 1 && port <= 65535)) return { error: `host pattern ${pattern}: port must be 1-65535` };
    const hosts = expandRanges(address);
    return typeof hosts === "string" ? { error: `host pattern ${pattern}: ${hosts}` } : { hosts, port };
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** More hosts than one pattern should stand for: a typo (web[1:100000]) rather than a fleet. */
export const MAX_PATTERN_HOSTS = 10_000;

/** Every name a pattern's first [begin:end(:step)] range gives, each expanded again for the next range. */
function expandRanges(name: string): string[] | string {
    const open = name.indexOf("[");
    if (open < 0) return [name];
    const close = name.indexOf("]", open);
    // An IPv6 address without a port keeps its colons and has no brackets here; a bracket left is a range.
    if (close < 0) return "'[' without a closing ']'";
    const head = name.slice(0, open);
    const tail = name.slice(close + 1);
    const bounds = name.slice(open + 1, close).split(":");
    if (bounds.length !== 2 && bounds.length !== 3) return "a range must be [begin:end] or [begin:end:step]";
    const [begin = "0", end, stepText = "1"] = [bounds[0] || "0", bounds[1], bounds[2]];
    if (!end) return "a range must have an end";
    const step = Number(stepText);
    if (!Number.isInteger(step) || step < 1) return "a range's step must be a whole number of at least 1";
    if (/^\d+$/.test(begin) && /^\d+$/.test(end) && (Number(end) - Number(begin)) / step >= MAX_PATTERN_HOSTS)
        return `stands for more than ${MAX_PATTERN_HOSTS} hosts`;
    let items: string[];
    if (LETTERS.includes(begin) && LETTERS.includes(end) && begin.length === 1 && end.length === 1) {
        const from = LETTERS.indexOf(begin);
        const to = LETTERS.indexOf(end);
        if (from > to) return "a range must have begin <= end";
        items = [];
        for (let i = from; i <= to; i += step) items.push(LETTERS[i]);
    } else if (/^\d+$/.test(begin) && /^\d+$/.test(end)) {
        const width = begin.length > 1 && begin.startsWith("0") ? begin.length : 0;
        if (width && width !== end.length) return "a zero-padded range must have begin and end of the same width ([01:10])";
        items = [];
        for (let i = Number(begin); i <= Number(end); i += step) items.push(String(i).padStart(width, "0"));
        if (!items.length) return "a range must have begin <= end";
    } else return `[${bounds.join(":")}] is not a range of numbers or of single letters`;
    const out: string[] = [];
    for (const item of items) {
        const more = expandRanges(head + item + tail);
        if (typeof more === "string") return more;
        out.push(...more);
        if (out.length > MAX_PATTERN_HOSTS) return `stands for more than ${MAX_PATTERN_HOSTS} hosts`;
    }
    return out;
}
