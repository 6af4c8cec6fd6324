#!/usr/bin/env node
import { leadgateVersion } from '../platform/telemetry/build-info.js';
import { describeCliError } from './cli-errors.js';
import { commands } from './commands/index.js';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `usage: leadgate <command> [options]

${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

options:
  -h, --help     this help (leadgate <command> --help for a command's options)
  --version      print the version
  --debug        show stack traces of unexpected errors
`;
}

const isHelp = (a: string): boolean => a === '--help' || a === '-h';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(help());
    return 2;
  }
  if (isHelp(name) || name === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`leadgate ${leadgateVersion()} (node ${process.version})\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`leadgate: unknown command "${name}" (commands: ${commands.map((c) => c.name).join(', ')}); see leadgate --help\n`);
    return 2;
  }
  if (rest.some(isHelp)) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

const argv = process.argv.slice(2);
const debug = argv.includes('--debug');
const args = argv.filter((a) => a !== '--debug');
main(args).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const command = args[0];
    const { message, hint, code } = describeCliError(err, command);
    process.stderr.write(`leadgate${command && !command.startsWith('-') ? ` ${command}` : ''}: ${message}${hint ? ` (${hint})` : ''}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(code);
  },
);
