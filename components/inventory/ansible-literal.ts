// The two ways Ansible's INI inventory reads text: host lines split as Python's shlex.split does
// (quotes, backslashes, # comments), and values read as Python's ast.literal_eval does, falling
// back to the text itself when it is not a literal. Pure.

/** shlex.split(line, comments=True) in POSIX mode; an unclosed quote is an error. */
export function shlexSplit(line: string): string[] | { error: string } {
    const tokens: string[] = [];
    let token: string | undefined;
    let quote: '"' | "'" | undefined;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote === "'") {
            if (c === "'") quote = undefined;
            else token += c;
        } else if (quote === '"') {
            if (c === '"') quote = undefined;
            else if (c === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) token += line[++i];
            else token += c;
        } else if (c === "'" || c === '"') {
            quote = c;
            token ??= "";
        } else if (c === "\\") {
            if (i + 1 === line.length) return { error: "no escaped character" };
            token = (token ?? "") + line[++i];
        } else if (c === "#") {
            break;
        } else if (/\s/.test(c)) {
            if (token !== undefined) tokens.push(token);
            token = undefined;
        } else token = (token ?? "") + c;
    }
    if (quote) return { error: "no closing quotation" };
    if (token !== undefined) tokens.push(token);
    return tokens;
}

type Literal = string | number | boolean | null | Literal[] | { [k: string]: Literal };

/** ast.literal_eval(text) where it succeeds, else the text as it is (what Ansible's _parse_value does). */
export function pythonValue(text: string): unknown {
    try {
        const p = new LiteralParser(text);
        const value = p.expression();
        p.end();
        return value;
    } catch (e) {
        if (e instanceof NotALiteral) return text;
        throw e;
    }
}

class NotALiteral extends Error {}

class LiteralParser {
    private i = 0;
    constructor(private readonly s: string) {}

    end(): void {
        this.space();
        if (this.i < this.s.length) throw new NotALiteral();
    }

    private space(): void {
        for (;;) {
            while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
            if (this.s[this.i] !== "#") return;
            while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
        }
    }

    expression(): Literal {
        this.space();
        const c = this.s[this.i];
        if (c === "[") return this.sequence("]");
        if (c === "(") return this.sequence(")");
        if (c === "{") return this.mapping();
        if (c === "'" || c === '"') return this.strings();
        if (c === "-" || c === "+") {
            this.i++;
            const n = this.expression();
            if (typeof n !== "number") throw new NotALiteral();
            return c === "-" ? -n : n;
        }
        const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
        if (word !== undefined) {
            this.i += word.length;
            const known: Record<string, Literal> = { True: true, False: false, None: null };
            if (!Object.hasOwn(known, word)) throw new NotALiteral();
            return known[word];
        }
        return this.number();
    }

    private number(): number {
        const rest = this.s.slice(this.i);
        const m = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*\.)/.exec(rest);
        if (!m) throw new NotALiteral();
        const t = m[0].replace(/_/g, "");
        // Python 3 refuses a decimal integer with a leading zero (022), and so this does.
        if (/^0\d+$/.test(t)) throw new NotALiteral();
        this.i += m[0].length;
        return Number(t.toLowerCase());
    }

    /** One string literal or several side by side ('a' 'b' is 'ab'). */
    private strings(): string {
        let out = "";
        do {
            out += this.string();
            this.space();
        } while (this.s[this.i] === "'" || this.s[this.i] === '"');
        return out;
    }

    private string(): string {
        const q = this.s[this.i];
        const triple = this.s.startsWith(q.repeat(3), this.i);
        const close = triple ? q.repeat(3) : q;
        this.i += close.length;
        let out = "";
        for (;;) {
            if (this.i >= this.s.length) throw new NotALiteral();
            if (this.s.startsWith(close, this.i)) {
                this.i += close.length;
                return out;
            }
            const c = this.s[this.i++];
            if (c === "\n" && !triple) throw new NotALiteral();
            if (c !== "\\") {
                out += c;
                continue;
            }
            const e = this.s[this.i++];
            const simple: Record<string, string> = {
                n: "\n",
                t: "\t",
                r: "\r",
                "\\": "\\",
                "'": "'",
                '"': '"',
                "0": "\0",
                a: "\x07",
                b: "\b",
                f: "\f",
                v: "\v",
                "\n": "",
            };
            if (Object.hasOwn(simple, e)) out += simple[e];
            else if (e === "x" && /^[0-9a-fA-F]{2}/.test(this.s.slice(this.i))) {
                out += String.fromCharCode(parseInt(this.s.slice(this.i, this.i + 2), 16));
                this.i += 2;
            } else out += `\\${e ?? ""}`;
        }
    }

    private sequence(close: "]" | ")"): Literal[] {
        this.i++;
        const items: Literal[] = [];
        for (;;) {
            this.space();
            if (this.s[this.i] === close) {
                this.i++;
                return items;
            }
            items.push(this.expression());
            this.space();
            if (this.s[this.i] === ",") this.i++;
            else if (this.s[this.i] !== close) throw new NotALiteral();
        }
    }

    private mapping(): { [k: string]: Literal } | Literal[] {
        this.i++;
        const out: { [k: string]: Literal } = {};
        const set: Literal[] = [];
        for (;;) {
            this.space();
            if (this.s[this.i] === "}") {
                this.i++;
                return set.length ? set : out;
            }
            const key = this.expression();
            this.space();
            if (this.s[this.i] === ":" && !set.length) {
                this.i++;
                out[String(key)] = this.expression();
            } else if (!Object.keys(out).length)
                set.push(key); // a set, which Ansible turns into a list
            else throw new NotALiteral();
            this.space();
            if (this.s[this.i] === ",") this.i++;
            else if (this.s[this.i] !== "}") throw new NotALiteral();
        }
    }
}
