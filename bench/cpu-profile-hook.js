// NODE_OPTIONS="--require bench/cpu-profile-hook.js" with BENCH_CPU_PROFILE_DIR=dir: a CPU profile
// (V8's sampling profiler, through the inspector) of the Pulumi program's process, the SDK's `run`
// command, written to dir/program-PID.cpuprofile when it exits. Other Node processes that inherit
// NODE_OPTIONS (npm, the feeders) are left alone. (Node refuses --cpu-prof in NODE_OPTIONS.)
"use strict";
const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir && /[\\/]cmd[\\/]run([\\/]|$)/.test(process.argv[1] || "")) {
    const inspector = require("inspector");
    const fs = require("fs");
    const path = require("path");
    const session = new inspector.Session();
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.setSamplingInterval", { interval: 200 });
    session.post("Profiler.start");
    process.on("exit", () => {
        // The in-process session answers synchronously, so this runs before the process is gone.
        session.post("Profiler.stop", (err, r) => {
            if (!err) fs.writeFileSync(path.join(dir, `program-${process.pid}.cpuprofile`), JSON.stringify(r.profile));
        });
    });
}
