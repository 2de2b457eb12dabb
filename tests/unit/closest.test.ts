// The closest known name, for refusing a misspelled one with a hint.
import { closest, editDistance, unknownName } from "../../components/shared/closest";

test("edit distance: insertions, deletions, substitutions, and an adjacent swap as one edit", () => {
    expect(editDistance("port", "port")).toBe(0);
    expect(editDistance("prot", "port")).toBe(1);
    expect(editDistance("privateKeyPth", "privateKeyPath")).toBe(1);
    expect(editDistance("hots", "host")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("ca", "abc")).toBe(3); // optimal string alignment: no edit of a swapped pair
});

test("closest: a near name, ignoring case; none when too far for the length; ties to the first", () => {
    const fields = ["name", "kind", "host", "port", "user", "privateKeyPath", "hostKey"];
    expect(closest("prot", fields)).toBe("port");
    expect(closest("privateKeyPth", fields)).toBe("privateKeyPath");
    expect(closest("privatekeypath", fields)).toBe("privateKeyPath");
    expect(closest("hostkey", fields)).toBe("hostKey");
    expect(closest("usr", fields)).toBe("user");
    expect(closest("container", fields)).toBeUndefined();
    expect(closest("xy", fields)).toBeUndefined();
    expect(closest("hame", fields)).toBe("name");
    expect(closest("pnrt", ["port", "part"])).toBe("port"); // one edit from each: the first
});

test("unknownName: the suggestion, else the known names", () => {
    expect(unknownName("field", "prot", ["host", "port"])).toBe("unknown field; did you mean port?");
    expect(unknownName("key", "zzzz", ["auth", "url"])).toBe("unknown key; the known keys are auth, url");
});
