// The `smooth` binary of the packed CLI (bundled to dist/smooth.js); in the workspace,
// bin/smooth.js runs the TypeScript sources through tsx instead.
import { runCli } from './main.js';

// Exit explicitly: a command is done when it returns, whatever sockets are still winding down.
process.exit(await runCli(process.argv.slice(2)));
