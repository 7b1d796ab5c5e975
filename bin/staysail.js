#!/usr/bin/env node
// The staysail command, also kubectl-staysail. On the Node that package.json's engines asks for,
// the CLI runs in this process; an older Node hands it to the project's Node (./project-node.js
// finds or fetches it), which is why this file stays plain JavaScript that Node 12.20+ parses.
import { spawn } from 'child_process';
import * as fs from 'fs';
import { constants } from 'os';
import { dirname, join } from 'path';
import { pathToFileURL } from 'url';
import { cacheDir, cliEntry, ensurePinnedNode, invokedAs, isAtLeast, packageRoot, readMinimumNode, readPinnedNode } from './project-node.js';

function fail(message) {
  process.stderr.write(`staysail: ${message}\n`);
  process.exit(1);
}

/**
 * Whether this process is in its terminal's foreground process group (Linux). Ctrl-C there
 * reaches every process of the group, the CLI's included, so sending it on would make two.
 */
function inTerminalForeground() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session tty tpgid
    return fields[2] === fields[5];
  } catch {
    return false;
  }
}

/** Says once per cache folder (once per machine, as a rule) which Node runs the command. */
function noticeOnce(cache, pinned, text) {
  const marker = join(cache, `node-v${pinned}.notice`);
  if (fs.existsSync(marker)) return;
  process.stderr.write(`${text}\n`);
  try { fs.writeFileSync(marker, `${text}\n`); } catch { /* a read-only cache: the notice repeats, nothing worse */ }
}

/** Runs the CLI with the pinned Node, passing on the arguments, the terminal, signals and the exit status. */
function handOver(entry, minimum) {
  const cache = cacheDir(process.env);
  const older = `this machine's Node is ${process.versions.node}, older than the ${minimum} staysail needs`;
  let pinned;
  let node;
  try {
    pinned = readPinnedNode(packageRoot);
    node = ensurePinnedNode(pinned, cache, (message) => process.stderr.write(`staysail: ${older}; ${message}\n`));
  } catch (e) {
    fail(`${older}, and ${e.message}`);
  }
  noticeOnce(cache, pinned, `staysail: ${older}, so Node ${pinned} from ${dirname(dirname(node))} runs it (said once)`);
  const child = spawn(node, [entry].concat(process.argv.slice(2)), { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (signal !== 'SIGINT' || !inTerminalForeground()) child.kill(signal);
    });
  }
  child.on('error', (e) => fail(`could not run ${node}: ${e.message}`));
  child.on('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    // End by the same signal, as a shell expects; should this Node ignore it, exit as a shell would report it.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    process.exit(128 + (constants.signals[signal] || 0));
  });
}

process.env.STAYSAIL_INVOKED_AS = invokedAs(process.argv[1], process.cwd());
const entry = cliEntry(packageRoot);
if (!fs.existsSync(entry)) fail(`${entry} is missing: build it with \`npm run build\`, or install a package made by \`npm pack\`, which builds it`);
let minimum;
try {
  minimum = readMinimumNode(packageRoot);
} catch (e) {
  fail(e.message);
}
if (isAtLeast(process.versions.node, minimum)) {
  // Thrown again outside the promise, so a crash reads as it would had Node run the CLI itself.
  import(pathToFileURL(entry).href).catch((e) => process.nextTick(() => { throw e; }));
} else {
  handOver(entry, minimum);
}
