// The target side: what runs on the machine that gets Codex, inside the runner bundle, with
// nothing there but Node.js. One request in, one result out (operations.ts: probe, ensure, remove;
// errors.ts: the runner's error); where the file is (place.ts); the ownership record
// (owner-record.ts); the backups of the user's own (backup.ts); whose files (account.ts, and
// for-account.ts: root acting for an account without lending it root's rights); Codex itself
// (codex.ts), its sign-in (signin.ts) and its verdict (ready.ts); checked writes and locks
// (files.ts); is the caller still there (lifeline.ts); who may take an entry over (handover.ts).
// It never imports Pulumi, the feeder or a transport (tests/unit/layout.test.ts).
export { handle, runRequest } from "./operations";
export { setSource } from "./for-account";
