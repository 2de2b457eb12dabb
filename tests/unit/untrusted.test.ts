// What a target prints around the runner's answer, and inside it, as the controller reads it
// (shared/untrusted.ts, feeder/answer.ts): the answer found whatever surrounds it, memory bounded, escapes shown.
import { answerOf } from "../../components/feeder/answer";
import { Collector } from "../../components/feeder/process-run";
import { AnswerReader, framed, MAX_ANSWER_BYTES, MAX_NOISE_BYTES, printable, printableDeep, Sample } from "../../components/shared/untrusted";

const FRAME = "n0nce-42";
const ANSWER = JSON.stringify({ ok: true, op: "probe", configPath: "/home/dev/.codex/config.toml", drift: [] });

function read(chunks: Buffer[]): AnswerReader {
    const r = new AnswerReader(FRAME);
    for (const c of chunks) r.push(c);
    return r;
}

describe("AnswerReader", () => {
    test("finds the answer between a banner without a newline and garbage after it", () => {
        const text = `Welcome to host 7${framed(FRAME, ANSWER)}\u0000\u00ff garbage after`;
        const r = read([Buffer.from(text, "latin1")]);
        expect(r.answer()).toBe(ANSWER);
        expect(r.oversized).toBe(false);
        expect(r.noise.text()).toContain("Welcome to host 7");
    });

    test("a marker split at every byte boundary is still found", () => {
        const text = Buffer.from(`banner${framed(FRAME, ANSWER)}tail`);
        for (let cut = 1; cut < text.length; cut++) {
            expect({ cut, answer: read([text.subarray(0, cut), text.subarray(cut)]).answer() }).toEqual({ cut, answer: ANSWER });
        }
        // One byte at a time.
        expect(read([...text].map((b) => Buffer.from([b]))).answer()).toBe(ANSWER);
    });

    test("another frame's answer (a stale one, or one the login shell printed) is not taken", () => {
        const r = read([Buffer.from(framed("other", '{"ok":true,"forged":1}') + framed(FRAME, ANSWER))]);
        expect(r.answer()).toBe(ANSWER);
    });

    test("a flood of 64 MB before the answer keeps memory bounded and the answer whole", () => {
        const r = new AnswerReader(FRAME);
        const mb = Buffer.alloc(1 << 20, "y\n");
        for (let i = 0; i < 64; i++) r.push(mb);
        r.push(Buffer.from(framed(FRAME, ANSWER)));
        expect(r.answer()).toBe(ANSWER);
        expect(r.noise.bytes).toBe(64 * (1 << 20) + 2); // the frame's own newlines around the markers
        expect(Buffer.byteLength(r.noise.text())).toBeLessThan(MAX_NOISE_BYTES + 64);
    });

    test("an answer larger than the runner ever prints is refused, and nothing of it is kept", () => {
        const r = read([Buffer.from(`\n<codex-mcp-answer ${FRAME}>`), Buffer.alloc(MAX_ANSWER_BYTES + 1, "a"), Buffer.from(`</codex-mcp-answer ${FRAME}>\n`)]);
        expect(r.oversized).toBe(true);
        expect(r.answer()).toBeUndefined();
        expect(answerOf(new CollectorOf(r).output(0))).toMatchObject({ ok: false, error: { code: "answer-too-large" } });
    });

    test("no answer at all: a failure that quotes the end of what came, escaped", () => {
        const c = new Collector(FRAME);
        c.reader.push(Buffer.from("Welcome\u001b[2J\u0007"));
        c.err.push(Buffer.from("bash: node: command not found\n"));
        const r = answerOf(c.output(127));
        expect(r).toMatchObject({ ok: false, error: { code: "no-answer" } });
        expect(r.error!.message).toBe("the runner gave no answer (exit 127): bash: node: command not found | Welcome\\x1b[2J\\x07");
    });
});

/** A Collector around a reader that was fed already. */
class CollectorOf extends Collector {
    constructor(r: AnswerReader) {
        super(FRAME);
        Object.assign(this, { reader: r });
    }
}

describe("Sample", () => {
    test("keeps the head and the tail of a long stream, and says how much was left out", () => {
        const s = new Sample(8);
        s.push(Buffer.from("0123456789"));
        s.push(Buffer.from("abcdefghij"));
        expect(s.bytes).toBe(20);
        expect(s.text()).toBe("[12 bytes left out] cdefghij");
    });
});

describe("printable", () => {
    test("escapes C0, DEL, C1 and bidirectional controls; keeps other text", () => {
        expect(printable("0.169.0\u001b]0;pwned\u0007\u001b[2J")).toBe("0.169.0\\x1b]0;pwned\\x07\\x1b[2J");
        expect(printable("a\u009bb\u007fc\u202ed\u2066e")).toBe("a\\x9bb\\x7fc\\u202ed\\u2066e");
        expect(printable("line1\nline2\r\tx")).toBe("line1\\x0aline2\\x0d\\x09x");
        expect(printable("line1\nline2\r\tx", true)).toBe("line1\nline2\\x0d\tx");
        expect(printable("café ✓ /home/dev/.codex")).toBe("café ✓ /home/dev/.codex");
    });

    test("printableDeep escapes every string of an answer, keys included, and nothing else", () => {
        const got = printableDeep({ ok: true, n: 3, codex: { version: "1\u001b[2J", ["k\u0007"]: null }, drift: ["a\u0000"] });
        expect(got).toEqual({ ok: true, n: 3, codex: { version: "1\\x1b[2J", "k\\x07": null }, drift: ["a\\x00"] });
    });

    test("an answer's strings reach the caller escaped", () => {
        const c = new Collector(FRAME);
        c.reader.push(Buffer.from(framed(FRAME, JSON.stringify({ ok: true, codex: { version: "0.169.0\u001b]0;pwned\u0007" } }))));
        expect(answerOf(c.output(0))).toMatchObject({ ok: true, codex: { version: "0.169.0\\x1b]0;pwned\\x07" } });
        const f = new Collector(FRAME);
        f.reader.push(Buffer.from(framed(FRAME, JSON.stringify({ ok: false, error: { code: "symlink-refused", message: "link to /x/\u001b[2J" } }))));
        expect(answerOf(f.output(2))).toEqual({ ok: false, error: { code: "symlink-refused", message: "link to /x/\\x1b[2J" } });
    });
});
