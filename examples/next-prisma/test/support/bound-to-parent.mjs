// Runs a command for as long as the process that started this one lives: that process holds our
// stdin pipe, which the OS closes when it ends however it ends (even SIGKILL, or a test worker
// torn down without cleanup). Then, or on SIGTERM/SIGINT, the command is stopped too.
// Usage: node bound-to-parent.mjs <command> [args...]  (spawned with stdin: 'pipe')
import { spawn } from 'node:child_process'

const [command, ...args] = process.argv.slice(2)
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })
const stop = () => child.kill('SIGTERM')
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
