import type { Command } from './command.port.js';
import { contactsCommand } from './contacts.command.js';
import { dlqCommand } from './dlq.command.js';
import { importCommand } from './import.command.js';
import { replayCommand } from './replay.command.js';
import { startCommand } from './start.command.js';

/** Every `leadgate` subcommand; adding one is one import and one entry. */
export const commands: readonly Command[] = [startCommand, dlqCommand, contactsCommand, replayCommand, importCommand];
