// What a target prints is untrusted: its login shell may print anything before or after the
// runner's answer (a banner without a newline, gigabytes of noise), and any string in the answer
// (a Codex version read from a package.json, a link's target name) may carry terminal escapes. This
// file reads a target's output with bounded memory, finds the runner's framed answer in it, and
// makes strings safe to print on an operator's terminal. Pure: no I/O.

/** The largest answer a runner gives (a result line is far smaller); more is refused. */
export const MAX_ANSWER_BYTES = 16 * 1024;
/** How much of the noise around the answer, and of stderr, is kept for error messages. */
export const MAX_NOISE_BYTES = 2 * 1024;

/** The markers around the runner's answer: the frame is a random nonce chosen per call by the controller. */
export const frameStart = (frame: string) => `<codex-mcp-answer ${frame}>`;
export const frameEnd = (frame: string) => `</codex-mcp-answer ${frame}>`;

/** `text` as the runner prints it: on a line of its own, between the markers. */
export function framed(frame: string, text: string): string {
    return `\n${frameStart(frame)}${text}${frameEnd(frame)}\n`;
}

/** The first and last bytes of a stream, and how many there were: memory bounded whatever comes. */
export class Sample {
    private headBuf = Buffer.alloc(0);
    private tailBuf = Buffer.alloc(0);
    bytes = 0;

    constructor(private readonly limit = MAX_NOISE_BYTES) {}

    push(chunk: Buffer): void {
        this.bytes += chunk.length;
        if (this.headBuf.length < this.limit) this.headBuf = Buffer.concat([this.headBuf, chunk.subarray(0, this.limit - this.headBuf.length)]);
        const tail = Buffer.concat([this.tailBuf, chunk.subarray(Math.max(0, chunk.length - this.limit))]);
        this.tailBuf = tail.subarray(Math.max(0, tail.length - this.limit));
    }

    /** The text for a message: all of it when short, else its end (where errors are), marked as cut. */
    text(): string {
        if (this.bytes <= this.limit) return this.tailBuf.toString("utf8");
        return `[${this.bytes - this.tailBuf.length} bytes left out] ${this.tailBuf.toString("utf8")}`;
    }
}

type Phase = "before" | "inside" | "after";

/**
 * Reads a target's stdout chunk by chunk and keeps only the runner's framed answer (at most
 * MAX_ANSWER_BYTES) and a sample of the rest, so that neither a flood nor a missing newline around
 * the answer matters. A marker split across chunks is still found.
 */
export class AnswerReader {
    private phase: Phase = "before";
    private carry = Buffer.alloc(0);
    private body: Buffer[] = [];
    private bodyBytes = 0;
    /** What came around the answer (login banners, noise), sampled. */
    readonly noise = new Sample();
    /** The answer exceeded MAX_ANSWER_BYTES: it was dropped. */
    oversized = false;
    /** The stream ended before an answer was complete. */
    private unfinished = false;
    private readonly start: Buffer;
    private readonly end: Buffer;

    constructor(
        frame: string,
        private readonly limit = MAX_ANSWER_BYTES,
    ) {
        this.start = Buffer.from(frameStart(frame));
        this.end = Buffer.from(frameEnd(frame));
    }

    /** The answer is complete (or was refused as too large): the rest of the stream does not matter. */
    get done(): boolean {
        return this.phase === "after";
    }

    push(chunk: Buffer): void {
        if (this.phase === "after") return this.noise.push(chunk);
        const data = Buffer.concat([this.carry, chunk]);
        this.carry = Buffer.alloc(0);
        if (this.phase === "before") this.seekStart(data);
        else this.readBody(data);
    }

    private seekStart(data: Buffer): void {
        const at = data.indexOf(this.start);
        if (at < 0) {
            // Keep what could be the beginning of a split marker; the rest is noise.
            const keep = Math.min(data.length, this.start.length - 1);
            this.noise.push(data.subarray(0, data.length - keep));
            this.carry = Buffer.from(data.subarray(data.length - keep));
            return;
        }
        this.noise.push(data.subarray(0, at));
        this.phase = "inside";
        this.readBody(data.subarray(at + this.start.length));
    }

    private readBody(data: Buffer): void {
        const at = data.indexOf(this.end);
        const part = at < 0 ? data.subarray(0, Math.max(0, data.length - (this.end.length - 1))) : data.subarray(0, at);
        this.bodyBytes += part.length;
        if (this.bodyBytes > this.limit) {
            this.oversized = true;
            this.body = [];
            this.phase = "after";
            return;
        }
        this.body.push(Buffer.from(part));
        if (at < 0) {
            this.carry = Buffer.from(data.subarray(part.length));
            return;
        }
        this.phase = "after";
        this.noise.push(data.subarray(at + this.end.length));
    }

    /** The stream ended: what was held back (a possible split marker, an unfinished answer) is noise. */
    finish(): void {
        if (this.phase === "after") return;
        for (const b of [...this.body, this.carry]) this.noise.push(b);
        this.body = [];
        this.carry = Buffer.alloc(0);
        this.phase = "after";
        this.unfinished = true;
    }

    /** The answer's text, when one was read whole. */
    answer(): string | undefined {
        return this.phase === "after" && !this.oversized && !this.unfinished ? Buffer.concat(this.body).toString("utf8") : undefined;
    }
}

// C0 controls, DEL, C1 controls (CSI is U+009B in some terminals), and the bidirectional
// overrides and isolates that make text display in another order than it reads.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escaped = (c: string) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
};

/**
 * A target's string as it may be shown: every control character as a visible escape (ESC as
 * `\x1b`), so nothing a target prints moves the cursor, retitles the window or hides text.
 * `lines`: keep newlines and tabs (multi-line messages); else they are escaped too.
 */
export function printable(s: string, lines = false): string {
    return s.replace(lines ? CONTROL_BUT_NEWLINE : CONTROL, escaped);
}

/** Every string in a parsed answer made printable (keys too); numbers, booleans and nulls as they are. */
export function printableDeep<T>(v: T): T {
    if (typeof v === "string") return printable(v) as T;
    if (Array.isArray(v)) return v.map(printableDeep) as T;
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [printable(k), printableDeep(x)])) as T;
    return v;
}
