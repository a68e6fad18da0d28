#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx compiles them on the fly, there is no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
// Exit explicitly: a command is done when it returns, whatever sockets are still winding down.
process.exit(await runCli(process.argv.slice(2)));
