// What the Pulumi side, the feeder and the runner agree on: the request and result types
// (types.ts), the ways the runner bundle is started and the strings that start it (launcher.ts),
// what a target is (target.ts), and a command's sealed stdin (envelope.ts, ssh-key.ts).
// Changing any of it changes what stored stacks and deployed runners read: see docs/architecture.md.
export * from "./envelope";
export * from "./launcher";
export * from "./ssh-key";
export * from "./target";
export type * from "./types";
