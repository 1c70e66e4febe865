// Starts kinesalite (in memory) on 127.0.0.1 at a free port for eventlake's tests and prints
// `PORT <n>` once it listens. It stops when its standard input closes, so it never outlives
// the test process that started it.
"use strict";
const kinesalite = require("kinesalite");

const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
