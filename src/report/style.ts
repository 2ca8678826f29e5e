import type { Status } from '../model/result.ts';

export interface Style {
  status(status: Status, text: string): string;
  bold(text: string): string;
}

const ANSI = {
  reset: '\u001b[0m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  bold: '\u001b[1m',
};
const STATUS_COLOUR: Record<Status, string> = { PASS: ANSI.green, FAIL: ANSI.red, ERROR: ANSI.yellow };

export const PLAIN: Style = { status: (_, text) => text, bold: (text) => text };

export const COLOUR: Style = {
  status: (status, text) => `${STATUS_COLOUR[status]}${text}${ANSI.reset}`,
  bold: (text) => `${ANSI.bold}${text}${ANSI.reset}`,
};

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function styleFor(isTty: boolean, env: NodeJS.ProcessEnv): Style {
  return isTty && !env.NO_COLOR ? COLOUR : PLAIN;
}
