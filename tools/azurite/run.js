// Starts Azurite as a child and stops it when this process's stdin closes, so an Azurite started by
// Gale or by a test never outlives the process that started it (even when that process is SIGKILLed).
'use strict';
const { spawn } = require('child_process');

const entry = require.resolve('azurite/dist/src/azurite.js');
// detached: Azurite gets its own process group, so a Ctrl+C in the terminal reaches Gale (which then finishes or
// releases its task attempts while storage is still up) and not Azurite.
const child = spawn(process.execPath, [entry, ...process.argv.slice(2)], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => { child.kill('SIGKILL'); process.exit(0); }, 3000).unref();
}

process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', () => {}); // Gale decides when storage stops: it closes our stdin.
child.on('exit', (code, signal) => process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0))));
