"use strict";
/**
 * tcpdrill's spawner: a small Node process that starts processes on tcpdrill's behalf (spawn.ts).
 *
 * Node starts a child with fork(), which copies the page tables of the whole process, and the
 * calling thread waits for the child's exec. From tcpdrill's main thread, at 350 MB (a mocha run),
 * that took 16 ms per spawn, and every other run's events waited: the next packet of
 * tcp-info-last_data_recv came 20 ms late, a `+0 tc qdisc` took 10-22 ms where packetdrill's
 * system() takes 2. This process stays ~40 MB and forks in ~1 ms, on its own CPU time.
 *
 * Protocol: one JSON object per line. Request on stdin:
 *   {id, file, args, cwd, env, stdout, stderr, detached, interactive}   (stdout/stderr: a path or null)
 * Replies on stdout: {id, pid} once started, or {id, error: {code, message}}; then
 * {id, exit: {code, signal}} when it ends. An interactive child's stdin and stdout are pipes:
 * {input: id, text} writes text to its stdin, and each line it prints comes back as {id, line}.
 * End of stdin (tcpdrill gone): this process exits, and its children started under
 * `setpriv --pdeathsig KILL` die with it.
 *
 * Plain CommonJS, no TypeScript: it must start without tsx and stay small.
 */
const { spawn } = require("node:child_process");
const { closeSync, openSync } = require("node:fs");
const readline = require("node:readline");

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

const interactive = new Map();

function start(request) {
  const fds = [];
  const output = (file) => {
    if (file === null || file === undefined) return "ignore";
    const fd = openSync(file, "w");
    fds.push(fd);
    return fd;
  };
  let child;
  try {
    child = spawn(request.file, request.args, {
      cwd: request.cwd,
      env: request.env,
      detached: request.detached === true,
      stdio: request.interactive === true ? ["pipe", "pipe", output(request.stderr)] : ["ignore", output(request.stdout), output(request.stderr)],
    });
  } catch (e) {
    send({ id: request.id, error: { code: e.code || "ESPAWN", message: e.message } });
    return;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  let started = false;
  child.once("error", (e) => {
    if (!started) send({ id: request.id, error: { code: e.code || "ESPAWN", message: e.message } });
  });
  if (child.pid !== undefined) {
    started = true;
    send({ id: request.id, pid: child.pid });
    if (request.interactive === true) {
      interactive.set(request.id, child);
      child.stdin.on("error", () => undefined);
      readline.createInterface({ input: child.stdout }).on("line", (line) => send({ id: request.id, line }));
    }
    // After its output: a reply's lines all come before its exit.
    child.once("close", (code, signal) => {
      interactive.delete(request.id);
      send({ id: request.id, exit: { code, signal } });
    });
  }
}

readline
  .createInterface({ input: process.stdin })
  .on("line", (line) => {
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      return;
    }
    if (request.input !== undefined) {
      interactive.get(request.input)?.stdin.write(request.text);
      return;
    }
    try {
      start(request);
    } catch (e) {
      send({ id: request.id, error: { code: e.code || "ESPAWN", message: e.message } });
    }
  })
  .on("close", () => process.exit(0));
