// Small helpers both sides use, each pure or nearly (proc-stat.ts reads /proc): credentials out of
// messages (redact.ts), "did you mean" (closest.ts), bounded reading of what a target prints
// (untrusted.ts), a process's identity (proc-stat.ts), the pinned versions (versions.ts), at most n
// tasks at a time (limit.ts).
export * from "./closest";
export * from "./limit";
export * from "./proc-stat";
export * from "./redact";
export * from "./untrusted";
export * from "./versions";
