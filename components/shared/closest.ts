// Names the known name a misspelled one most likely meant (a configuration field, a stack key), so
// an unknown name is refused with a hint rather than ignored. Pure.

/**
 * The edit distance between a and b counting an adjacent swap as one edit (optimal string
 * alignment): "prot" is one edit from "port", as a typist would count it.
 */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/**
 * The known name closest to `name`, ignoring case (privatekeypath means privateKeyPath), or
 * undefined when none is close enough to be a typo of it: at most one edit per three characters
 * (at least one), so a short unrelated name gets no far-fetched suggestion. Ties go to the first.
 */
export function closest(name: string, known: readonly string[]): string | undefined {
    const limit = Math.max(1, Math.floor(name.length / 3));
    let best: { name: string; distance: number } | undefined;
    for (const k of known) {
        const distance = editDistance(name.toLowerCase(), k.toLowerCase());
        if (distance <= limit && (!best || distance < best.distance)) best = { name: k, distance };
    }
    return best?.name;
}

/** "unknown field; did you mean port?", or the known names when none is close. */
export function unknownName(what: string, name: string, known: readonly string[]): string {
    const near = closest(name, known);
    return near ? `unknown ${what}; did you mean ${near}?` : `unknown ${what}; the known ${what}s are ${known.join(", ")}`;
}
